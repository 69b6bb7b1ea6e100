"""The one error a model file gives: which file, and what is wrong with it, in words."""

from __future__ import annotations

from pathlib import Path


class ModelError(Exception):
    def __init__(self, file: Path | str, message: str) -> None:
        self.file = str(file)
        self.message = message
        super().__init__(f"{self.file}: {message}")
