"""A microphone that stalls in the middle of a voice takeover never stalls the show: the
real show loop keeps ticking at its frame rate while the FIFO's writer goes quiet, the
takeover ends by itself when no sound has come for a while, and the host's own talk
comes back (no dead air)."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
from tests.onair.conftest import wait_for
from tests.onair.test_show_loop import FPS, Show

from livehost.config.listen import ListenConfig
from livehost.listen.service import LOST_AFTER, Listening
from livehost.show.inbox import Takeover

FIFO_RATE = 16000


def test_a_stalled_fifo_in_a_voice_takeover_never_stalls_the_show(tmp_path) -> None:
    fifo = tmp_path / "mic.pcm"
    os.mkfifo(fifo)
    speaking = threading.Event()
    speaking.set()

    def writer() -> None:  # another program feeding the box's audio, then hanging
        t = np.arange(FIFO_RATE // 50) / FIFO_RATE
        piece = (np.sin(2 * np.pi * 200 * t) * 9000).astype("<i2").tobytes()
        with open(fifo, "wb") as out:
            while speaking.is_set():
                out.write(piece)
                out.flush()
                time.sleep(0.02)
            time.sleep(LOST_AFTER + 8)  # open, but nothing comes: a stalled writer

    threading.Thread(target=writer, daemon=True).start()
    inbox_box = {}
    listening = Listening(
        ListenConfig(enabled=True, device=f"fifo:{fifo}"),
        tmp_path,
        ask=None,
        driving=lambda: True,
        voice=lambda: inbox_box["inbox"].controls.takeover == "voice",
        lost=lambda problem: inbox_box["inbox"].put(Takeover(None, why="microphone")),
    )
    with Show(tmp_path / "unit", live=listening.feed) as show:
        inbox = inbox_box["inbox"] = show.director.inbox
        listening.start()
        try:
            wait_for(lambda: listening.usable() == "", 10, 0.05)
            wait_for(lambda: show.status.utterances >= 1, 20, 0.05)
            inbox.put(Takeover("voice", "test"))
            time.sleep(1.0)  # the person speaks
            talk = show.status.utterances
            speaking.clear()  # ... and the microphone stalls
            stalled_at, tick_at = time.monotonic(), show.loop.next_tick
            wait_for(lambda: inbox.controls.takeover is None, LOST_AFTER + 6, 0.05)
            ended_after = time.monotonic() - stalled_at
            ticks = show.loop.next_tick - tick_at
            wait_for(lambda: show.status.utterances > talk, 20, 0.05)
        finally:
            listening.stop()
    print(f"takeover ended {ended_after:.1f} s after the stall; {ticks} ticks meanwhile")
    assert inbox.controls.takeover_ended == "microphone"
    # the clock never waited for the microphone: a tick every frame all along
    assert ticks >= 0.9 * ended_after * FPS
    assert ended_after < LOST_AFTER + 3
