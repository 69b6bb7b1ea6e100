"""The preview's caption and the permanent AI label, drawn onto RGB frames."""

from __future__ import annotations

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX  # ASCII only; the on-air compositor draws real fonts


def draw_label(frame: np.ndarray, text: str = "AI-generated host") -> None:
    """Top-left, text at least 5% of the frame's short side tall (the labelling rules)."""
    h, w = frame.shape[:2]
    height = max(12, int(0.05 * min(h, w)))
    scale = cv2.getFontScaleFromHeight(FONT, height, 2)
    (tw, th), base = cv2.getTextSize(text, FONT, scale, 2)
    pad = height // 3
    x, y = pad, pad
    _box(frame, x, y, x + tw + 2 * pad, y + th + base + 2 * pad, 0.55)
    cv2.putText(frame, text, (x + pad, y + pad + th), FONT, scale, (255, 255, 255), 2,
                cv2.LINE_AA)


def draw_caption(frame: np.ndarray, text: str) -> None:
    """The sentence being spoken, wrapped, in a band near the bottom."""
    if not text:
        return
    h, w = frame.shape[:2]
    height = max(10, int(0.04 * h))
    scale = cv2.getFontScaleFromHeight(FONT, height, 2)
    lines = _wrap(_ascii(text), int(w * 0.8), scale)
    line_h = int(height * 1.6)
    y1 = h - int(0.05 * h)
    y0 = y1 - line_h * len(lines) - height // 2
    _box(frame, int(w * 0.08), y0, int(w * 0.92), y1, 0.6)
    for i, line in enumerate(lines):
        (tw, _), _ = cv2.getTextSize(line, FONT, scale, 2)
        y = y0 + line_h * (i + 1) - height // 4
        cv2.putText(frame, line, ((w - tw) // 2, y), FONT, scale, (255, 255, 255), 2, cv2.LINE_AA)


def _box(frame: np.ndarray, x0: int, y0: int, x1: int, y1: int, opacity: float) -> None:
    region = frame[max(y0, 0):y1, max(x0, 0):x1]
    region[:] = (region.astype(np.float32) * (1 - opacity)).astype(np.uint8)


def _wrap(text: str, width: int, scale: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and cv2.getTextSize(trial, FONT, scale, 2)[0][0] <= width:
            lines[-1] = trial
        else:
            lines.append(word)
    return lines[-3:]  # a long sentence shows its end rather than covering the face


_PLAIN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                        "\u2014": "-", "\u2013": "-", "\u2026": "..."})


def _ascii(text: str) -> str:
    return text.translate(_PLAIN).encode("ascii", "replace").decode()
