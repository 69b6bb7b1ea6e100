"""A contact sheet: evenly spaced frames of the preview in one PNG."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def contact_sheet(
    frames: list[tuple[float, np.ndarray]], path: Path, columns: int = 4, thumb_width: int = 400
) -> Path:
    thumbs = []
    for t, frame in frames:
        scale = thumb_width / frame.shape[1]
        th = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        cv2.putText(
            th,
            f"{t:6.2f}s",
            (th.shape[1] - 70, th.shape[0] - 8),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5,
            (255, 255, 0),
            1,
            cv2.LINE_AA,
        )
        thumbs.append(th)
    while len(thumbs) % columns:
        thumbs.append(np.zeros_like(thumbs[0]))
    rows = [np.hstack(thumbs[i : i + columns]) for i in range(0, len(thumbs), columns)]
    cv2.imwrite(str(path), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))
    return path
