"""The on-air picture: the host on the left, the product panel on the right, captions over
the host, and the AI-generated label on every single frame.

Everything that is text is drawn with Pillow only when it changes; per frame we copy
pixel blocks and blend one caption band, which costs a few milliseconds at 720p.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from livehost.render.card import CardContent, PanelPainter, paint_slate
from livehost.render.text import draw_lines, fit_font_to_height, font, wrap

# Labelling rules (GB 45438-2025, EU AI Act Art. 50): the label stays on screen the
# whole time and its text is at least 5% of the frame's short side tall. Nothing in the
# schedule or the commands can turn it off: it is drawn last, on every frame, here.
AI_LABEL = "AI-generated · AI生成"
LABEL_MIN_HEIGHT = 0.05
HOST_SHARE = 0.625  # the host takes the left 5/8 of the frame (800 of 1280 px)


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    host_width: int

    @classmethod
    def for_size(cls, width: int, height: int) -> Layout:
        host = int(width * HOST_SHARE) // 2 * 2  # even, for 4:2:0 video
        return cls(width, height, host)


class Compositor:
    def __init__(self, width: int, height: int) -> None:
        self.layout = Layout.for_size(width, height)
        self.panel_painter = PanelPainter(width - self.layout.host_width, height)
        self._panel_key: CardContent | None = None
        self._panel: np.ndarray | None = None
        self._caption_key: str | None = None
        self._caption: tuple[int, np.ndarray, np.ndarray] | None = None  # y, rgb, alpha
        self._slate_key: tuple[str, str] | None = None
        self._slate: np.ndarray | None = None
        self.label, self.label_text_height = self._paint_label()

    def compose(
        self, host: np.ndarray, card: CardContent, caption: str | None, flash: bool = False
    ) -> np.ndarray:
        """One RGB frame. `host` is the lip-sync engine's frame (host_width x height)."""
        lay = self.layout
        frame = np.empty((lay.height, lay.width, 3), np.uint8)
        if card.mode == "slate":
            frame[:] = self._slate_for(card.store, card.message)
        else:
            frame[:, : lay.host_width] = host
            frame[:, lay.host_width :] = self._panel_for(card)
            if caption:
                self._blend_caption(frame, caption)
        if flash:  # test mode: a white frame marks the sync point
            frame[:] = 255
        h, w = self.label.shape[:2]
        margin = max(4, lay.height // 60)
        frame[margin : margin + h, margin : margin + w] = self.label
        return frame

    def _panel_for(self, card: CardContent) -> np.ndarray:
        if card != self._panel_key or self._panel is None:
            self._panel = self.panel_painter.paint(card)
            self._panel_key = card
        return self._panel

    def _slate_for(self, store: str, message: str) -> np.ndarray:
        if (store, message) != self._slate_key or self._slate is None:
            self._slate = paint_slate(self.layout.width, self.layout.height, store, message)
            self._slate_key = (store, message)
        return self._slate

    def _paint_label(self) -> tuple[np.ndarray, int]:
        short = min(self.layout.width, self.layout.height)
        need = int(np.ceil(short * LABEL_MIN_HEIGHT))
        face = fit_font_to_height(AI_LABEL, need)
        left, top, right, bottom = face.getbbox(AI_LABEL)
        pad = max(4, need // 3)
        image = Image.new("RGB", (right - left + 2 * pad, bottom - top + 2 * pad), (12, 12, 16))
        ImageDraw.Draw(image).text(
            (pad - left, pad - top), AI_LABEL, font=face, fill=(255, 255, 255)
        )
        return np.asarray(image, dtype=np.uint8).copy(), bottom - top

    def _blend_caption(self, frame: np.ndarray, caption: str) -> None:
        if caption != self._caption_key or self._caption is None:
            self._caption = self._paint_caption(caption)
            self._caption_key = caption
        y, rgb, alpha = self._caption
        region = frame[y : y + rgb.shape[0], : rgb.shape[1]]
        # integer blend: out = (fg * a + bg * (255 - a)) / 255
        blended = (rgb.astype(np.uint16) * alpha + region.astype(np.uint16) * (255 - alpha)) // 255
        region[:] = blended.astype(np.uint8)

    def _paint_caption(self, caption: str) -> tuple[int, np.ndarray, np.ndarray]:
        lay = self.layout
        unit = lay.height / 720
        face = font(max(10, round(27 * unit)), "bold")
        pad = round(16 * unit)
        lines = wrap(caption, face, lay.host_width - 4 * pad, max_lines=2)
        ascent, descent = face.getmetrics()
        band_h = int((ascent + descent) * 1.25) * len(lines) + 2 * pad
        image = Image.new("RGBA", (lay.host_width, band_h), (0, 0, 0, 150))
        draw_lines(ImageDraw.Draw(image), lines, face, 2 * pad, pad, (255, 255, 255, 255))
        rgba = np.asarray(image, dtype=np.uint8)
        y = lay.height - band_h - round(24 * unit)
        return y, rgba[..., :3].copy(), rgba[..., 3:4].astype(np.uint16)
