"""The side panel: brand and clock, the product card (or the store's message), drawn once
per change with Pillow and reused for every frame until something on it changes."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from livehost.render.text import draw_lines, font, wrap

log = logging.getLogger(__name__)

BACKGROUND = (22, 26, 38)
ACCENT = (255, 196, 61)
SALE = (255, 92, 92)
MUTED = (170, 178, 196)
WHITE = (245, 247, 250)


@dataclass(frozen=True)
class CardContent:
    """Everything the panel shows; equal contents draw equal panels (the cache key)."""

    store: str
    clock: str
    mode: str  # show | idle | slate
    name: str = ""
    price: str = ""
    old_price: str = ""  # set while on sale: drawn struck through
    countdown: str = ""
    features: tuple[str, ...] = ()
    image: str | None = None
    message: str = ""


class PanelPainter:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.unit = height / 720  # sizes below are for 720p and scale with the frame
        self._images: dict[str, Image.Image | None] = {}

    def px(self, value: float) -> int:
        return max(1, round(value * self.unit))

    def paint(self, content: CardContent) -> np.ndarray:
        panel = Image.new("RGB", (self.width, self.height), BACKGROUND)
        draw = ImageDraw.Draw(panel)
        pad = self.px(28)
        inner = self.width - 2 * pad
        # brand and clock
        brand = font(self.px(22), "bold")
        clock_font = font(self.px(22))
        clock_w = int(clock_font.getlength(content.clock))
        draw.text((self.width - pad - clock_w, pad), content.clock, font=clock_font, fill=MUTED)
        for line in wrap(content.store, brand, inner - clock_w - pad, max_lines=1)[:1]:
            draw.text((pad, pad), line, font=brand, fill=WHITE)
        y = pad + self.px(48)
        draw.line([(pad, y), (self.width - pad, y)], fill=(60, 66, 84), width=self.px(2))
        y += self.px(24)
        if content.mode == "show" and content.name:
            self._product(draw, panel, content, pad, inner, y)
        else:
            message = content.message or "We'll be right back."
            y = draw_lines(
                draw,
                wrap(message, font(self.px(30), "bold"), inner, 8),
                font(self.px(30), "bold"),
                pad,
                y,
                WHITE,
            )
        return np.asarray(panel, dtype=np.uint8).copy()

    def _product(
        self,
        draw: ImageDraw.ImageDraw,
        panel: Image.Image,
        content: CardContent,
        pad: int,
        inner: int,
        y: int,
    ) -> None:
        picture = self._image(content.image)
        if picture is not None:
            box_h = self.px(230)
            fitted = picture.copy()
            fitted.thumbnail((inner, box_h))
            panel.paste(fitted, (pad + (inner - fitted.width) // 2, y))
            y += fitted.height + self.px(18)
        title = font(self.px(32), "bold")
        y = draw_lines(draw, wrap(content.name, title, inner, 2), title, pad, y, WHITE, 1.15)
        y += self.px(10)
        price_font = font(self.px(50), "bold")
        colour = SALE if content.old_price else ACCENT
        draw.text((pad, y), content.price, font=price_font, fill=colour)
        if content.old_price:
            old_font = font(self.px(28))
            x = pad + int(price_font.getlength(content.price)) + self.px(18)
            oy = y + self.px(20)
            draw.text((x, oy), content.old_price, font=old_font, fill=MUTED)
            left, top, right, bottom = draw.textbbox((x, oy), content.old_price, font=old_font)
            middle = (top + bottom) // 2
            draw.line([(left, middle), (right, middle)], fill=MUTED, width=self.px(3))
        y += self.px(76)
        if content.countdown:
            tag = font(self.px(24), "bold")
            left, top, right, bottom = draw.textbbox((pad, y), content.countdown, font=tag)
            draw.rounded_rectangle(
                [left - self.px(10), top - self.px(6), right + self.px(10), bottom + self.px(6)],
                radius=self.px(8),
                fill=SALE,
            )
            draw.text((pad, y), content.countdown, font=tag, fill=WHITE)
            y += self.px(52)
        bullet = font(self.px(22))
        for feature in content.features[:3]:
            lines = wrap(feature, bullet, inner - self.px(24), 2)
            draw.ellipse([pad, y + self.px(9), pad + self.px(9), y + self.px(18)], fill=ACCENT)
            y = draw_lines(draw, lines, bullet, pad + self.px(24), y, WHITE, 1.2) + self.px(6)
            if y > self.height - self.px(150):  # keep clear of the bottom edge
                break

    def _image(self, path: str | None) -> Image.Image | None:
        if not path:
            return None
        if path not in self._images:
            try:
                with Image.open(path) as opened:
                    self._images[path] = opened.convert("RGB")
            except (OSError, ValueError, Image.DecompressionBombError) as exc:
                log.warning("product picture %s cannot be shown: %s", path, exc)
                self._images[path] = None
        return self._images[path]


def paint_slate(width: int, height: int, store: str, message: str) -> np.ndarray:
    """Full-frame picture while off air (when the unit is set to show a slate)."""
    unit = height / 720
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    big, small = font(round(56 * unit), "bold"), font(round(30 * unit))
    y = int(height * 0.36)
    for face, text, fill in ((big, store, WHITE), (small, message, MUTED)):
        for line in wrap(text, face, int(width * 0.8), 3):
            w = face.getlength(line)
            draw.text(((width - w) / 2, y), line, font=face, fill=fill)
            y += int(face.size * 1.4)
    return np.asarray(image, dtype=np.uint8).copy()
