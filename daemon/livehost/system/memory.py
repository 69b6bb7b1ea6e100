"""Keeping the daemon's resident memory flat on a small box (glibc only; a no-op elsewhere).

A long-running multi-threaded Python process on glibc keeps freed memory in per-thread
malloc arenas, and the voice allocates large short-lived buffers per sentence. Limiting
the arenas and trimming after each utterance keeps RSS from creeping (measured in
bench/bench_onair.py).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # from glibc's malloc.h


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim  # noqa: B018 - only glibc has it
        libc.mallopt  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def limit_malloc_arenas(count: int = 2) -> bool:
    """Fewer malloc arenas for threads created from now on (MALLOC_ARENA_MAX)."""
    libc = _libc()
    return bool(libc and libc.mallopt(M_ARENA_MAX, count))


def give_back_free_memory() -> bool:
    """Return freed heap pages to the system (cheap: about a millisecond)."""
    libc = _libc()
    return bool(libc and libc.malloc_trim(0))
