"""Which of the person's recorded mouths to show for each frame of new speech.

A Viterbi choice over the best few atlas frames per output frame: how far each is from
the wanted mouth shape, plus a cost for jumping between source frames that is zero when
the next source frame follows the last (so recorded motion plays on where it fits, and
the mouth does not flicker between look-alikes).
"""

from __future__ import annotations

import numpy as np

CANDIDATES = 8  # atlas frames considered per output frame
JUMP = 0.5  # a jump costs this share of the median shape error


def choose(
    targets: np.ndarray,
    atlas: np.ndarray,
    source: np.ndarray,
    candidates: int = CANDIDATES,
    jump: float = JUMP,
    extra: np.ndarray | None = None,
) -> np.ndarray:
    """Atlas rows for each target row (T x C wanted shapes, A x C atlas shapes, `source`
    the atlas rows' frame numbers in the clip; `extra`, T x A, adds a cost per pair, such
    as a head turned away from the frame the mouth goes on). Returns T atlas row indices."""
    t_count = len(targets)
    if t_count == 0:
        return np.zeros(0, int)
    k = min(candidates, len(atlas))
    distances = ((targets[:, None, :] - atlas[None, :, :]) ** 2).sum(axis=2)  # T x A
    if extra is not None:
        distances = distances + extra
    options = np.argpartition(distances, k - 1, axis=1)[:, :k]  # T x k
    shape_cost = np.take_along_axis(distances, options, axis=1)
    step_cost = jump * float(np.median(shape_cost[:, 0])) + 1e-9
    total = shape_cost[0].copy()
    back = np.zeros((t_count, k), int)
    for t in range(1, t_count):
        follows = source[options[t]][None, :] == source[options[t - 1]][:, None] + 1
        moves = total[:, None] + np.where(follows, 0.0, step_cost)  # previous x current
        back[t] = np.argmin(moves, axis=0)
        total = moves[back[t], np.arange(k)] + shape_cost[t]
    path = np.zeros(t_count, int)
    path[-1] = int(np.argmin(total))
    for t in range(t_count - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return options[np.arange(t_count), path]
