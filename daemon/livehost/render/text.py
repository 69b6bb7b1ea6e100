"""Fonts and text drawing for overlays: one font family that covers Latin and CJK.

Setup installs Debian's fonts-noto-cjk (Noto Sans CJK covers Latin too). A unit without
it falls back to DejaVu Sans (no CJK glyphs) and says so once.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

FONT_CANDIDATES = {
    "regular": [
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ],
    "bold": [
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ],
}

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@functools.lru_cache(maxsize=64)
def font(size: int, weight: str = "regular") -> Font:
    for index, path in enumerate(FONT_CANDIDATES[weight]):
        if Path(path).exists():
            if index:
                log.warning(
                    "Noto Sans CJK is missing (apt-get install fonts-noto-cjk); "
                    "Chinese and Japanese text will not show"
                )
            return ImageFont.truetype(path, size)
    log.error("no TrueType font found; overlays use a tiny bitmap font")
    return ImageFont.load_default(size)


def text_height(text: str, face: Font) -> int:
    _, top, _, bottom = face.getbbox(text)
    return int(bottom - top)


def fit_font_to_height(text: str, min_height: int, weight: str = "bold") -> Font:
    """The smallest font whose rendering of `text` is at least `min_height` pixels tall."""
    size = max(6, min_height)
    while text_height(text, font(size, weight)) < min_height:
        size += 1
    return font(size, weight)


def wrap(text: str, face: Font, width: int, max_lines: int | None = None) -> list[str]:
    """Greedy word wrap; CJK text (no spaces) wraps per character. With `max_lines`,
    the last lines are kept (captions show the end of what is being said)."""
    tokens: list[str] = []
    for word in text.split(" "):
        if face.getlength(word) <= width:
            tokens.append(word)
        else:  # a long word or CJK run: break it character by character
            tokens.extend(list(word))
    lines: list[str] = []
    for token in tokens:
        joiner = " " if lines and _is_spaced(lines[-1], token) else ""
        trial = f"{lines[-1]}{joiner}{token}" if lines else token
        if lines and face.getlength(trial) <= width:
            lines[-1] = trial
        else:
            lines.append(token)
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[-max_lines:]
    return lines


def _is_spaced(previous: str, token: str) -> bool:
    return len(token) > 1 or (token.isascii() and previous[-1:].isascii())


def draw_lines(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    face: Font,
    x: int,
    y: int,
    fill: tuple[int, ...],
    spacing: float = 1.25,
) -> int:
    """Draw lines top-down from (x, y); return the y below the last line."""
    ascent, descent = face.getmetrics() if hasattr(face, "getmetrics") else (10, 2)
    step = int((ascent + descent) * spacing)
    for line in lines:
        draw.text((x, y), line, font=face, fill=fill)
        y += step
    return y


def new_canvas(width: int, height: int, colour: tuple[int, int, int, int]) -> Image.Image:
    return Image.new("RGBA", (width, height), colour)
