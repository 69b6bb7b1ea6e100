"""A/V sync over a 60 s recording: a white flash and a 1 kHz beep every 2 s, both stamped
from the same tick, must arrive within one frame of each other all the way through."""

from __future__ import annotations

import time

import av
import numpy as np

from .conftest import wait_for
from .daemon_helpers import start_daemon, stop_daemon, write_setup

FPS = 25


def flash_times(path) -> list[float]:
    times = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            luma = frame.to_ndarray(format="gray")
            if luma.mean() > 200:  # the flash: white but for the AI label
                times.append(float(frame.pts * stream.time_base))
    return times


def beep_times(path) -> list[float]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        first_pts, chunks = None, []
        for frame in container.decode(stream):
            if first_pts is None:
                first_pts = float(frame.pts * stream.time_base)
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
    pcm = np.concatenate(chunks).astype(np.float64)
    window = 240  # 5 ms
    t = np.arange(window) / 48000
    probe = np.exp(-2j * np.pi * 1000 * t)
    tonal = []
    for start in range(0, len(pcm) - window, window):
        piece = pcm[start : start + window]
        energy = float(np.dot(piece, piece))
        tone = abs(np.dot(piece, probe)) ** 2 * 2 / window
        tonal.append(energy > 1e6 and tone / energy > 0.8)
    # The beep is one tick (40 ms) of pure 1 kHz: at least 30 ms of tone in a row. Speech
    # can look tonal for a window or two, never for that long.
    times, run = [], 0
    for index, is_tone in enumerate(tonal):
        run = run + 1 if is_tone else 0
        if run == 6:
            times.append(first_pts + (index - 5) * window / 48000)
    return times


def test_flash_and_beep_stay_within_one_frame_for_a_minute(tmp_path, rtmp_recording) -> None:
    config = write_setup(tmp_path / "unit", fps=FPS)
    log = tmp_path / "daemon.log"
    url = f"rtmp://127.0.0.1:{rtmp_recording.port}/live/sync"
    proc = start_daemon(config, "--output", url, "--test-pattern", "--for", "66", log=log)
    try:
        wait_for(lambda: "is on air" in log.read_text(errors="replace"), 30, 0.1)
        time.sleep(62)
    finally:
        stop_daemon(proc)
    rtmp_recording.stop()  # closes the recording file
    recordings = sorted((rtmp_recording.workdir / "recordings").glob("sync*.flv"))
    assert recordings, "nginx recorded nothing"
    flashes, beeps = flash_times(recordings[0]), beep_times(recordings[0])
    assert len(flashes) >= 28, f"only {len(flashes)} flashes in the recording"
    offsets = []
    for flash in flashes:
        nearest = min(beeps, key=lambda b: abs(b - flash))
        offsets.append(nearest - flash)
    worst = max(abs(o) for o in offsets)
    assert worst <= 1 / FPS, f"A/V offset up to {worst * 1000:.1f} ms: {offsets}"
    # flashes come every 2 s of media time: no gap or jump in the timestamps
    gaps = np.diff(flashes)
    assert np.allclose(gaps, 2.0, atol=1 / FPS), gaps
