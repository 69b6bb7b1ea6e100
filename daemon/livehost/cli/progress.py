"""A one-line text progress bar on stderr (redrawn in place on a terminal)."""

from __future__ import annotations

import sys
from typing import TextIO


class ProgressBar:
    def __init__(self, title: str, out: TextIO | None = None, width: int = 30) -> None:
        self.title = title
        self.out = out or sys.stderr
        self.width = width
        self._tty = self.out.isatty()
        self._open = False  # a bar drawn in place, without its newline yet

    def __call__(self, what: str, done: float) -> None:
        filled = round(self.width * max(0.0, min(1.0, done)))
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"{self.title} [{bar}] {done * 100:3.0f}% {what}"
        if self._tty:
            self.out.write("\r\033[K" + line + ("\n" if done >= 1 else ""))
            self._open = done < 1
        else:
            self.out.write(line + "\n")
        self.out.flush()

    def interrupt(self) -> None:
        """End the bar's line so that an error message starts on its own line."""
        if self._open:
            self.out.write("\n")
            self.out.flush()
            self._open = False
