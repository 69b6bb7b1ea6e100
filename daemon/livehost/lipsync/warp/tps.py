"""Thin-plate-spline interpolation of sparse displacements into a dense field."""

from __future__ import annotations

import numpy as np


def _kernel(r2: np.ndarray) -> np.ndarray:
    # U(r) = r^2 log r^2 (up to a constant), 0 at r = 0.
    with np.errstate(divide="ignore", invalid="ignore"):
        out = r2 * np.log(r2)
    out[r2 <= 0] = 0.0
    return out


def tps_field(ctrl: np.ndarray, values: np.ndarray, xs: np.ndarray, ys: np.ndarray,
              smooth: float = 1e-3) -> np.ndarray:
    """Dense field (len(ys) x len(xs) x D) through `values` (N x D) at points `ctrl` (N x 2).

    Coordinates are scaled to about unit size first, which keeps the system well
    conditioned for fields hundreds of pixels wide.
    """
    ctrl = np.asarray(ctrl, np.float64)
    values = np.asarray(values, np.float64)
    centre = ctrl.mean(axis=0)
    scale = float(np.abs(ctrl - centre).max()) or 1.0
    c = (ctrl - centre) / scale
    n = len(c)
    d2 = ((c[:, None, :] - c[None, :, :]) ** 2).sum(-1)
    k = _kernel(d2) + smooth * np.eye(n)
    p = np.hstack([np.ones((n, 1)), c])
    a = np.zeros((n + 3, n + 3))
    a[:n, :n], a[:n, n:], a[n:, :n] = k, p, p.T
    rhs = np.vstack([values, np.zeros((3, values.shape[1]))])
    coef = np.linalg.solve(a, rhs)
    w, affine = coef[:n], coef[n:]
    gx, gy = np.meshgrid((xs - centre[0]) / scale, (ys - centre[1]) / scale)
    grid = np.stack([gx.ravel(), gy.ravel()], 1)
    out = np.empty((len(grid), values.shape[1]))
    step = 20000  # rows at a time: the full kernel matrix would not fit comfortably
    for i in range(0, len(grid), step):
        g = grid[i: i + step]
        u = _kernel(((g[:, None, :] - c[None, :, :]) ** 2).sum(-1))
        out[i: i + step] = u @ w + affine[0] + g @ affine[1:]
    return out.reshape(len(ys), len(xs), values.shape[1]).astype(np.float32)
