"""A poor uplink: the video bitrate steps down to what the link carries, and back up.

The link is a network namespace whose loopback is shaped by tc's token bucket (tbf, 300
kbit/s; this machine has no netem), MTU 1500 like an internet uplink. The test process
itself enters the namespace (setns, like `ip netns exec`), so the nginx-rtmp ingest, the
output thread and its ffmpeg relay all talk across the slow loopback. TCP through it
carries ~150 kbit/s and stalls when overrun, like a lossy uplink.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from tests.faults.test_rtmp_faults import IngestWatch
from tests.onair.conftest import NoiseSource, wait_for

from livehost.devservers import nginx_rtmp
from livehost.stream.encoder import EncoderSettings
from livehost.stream.output import OutputStatus, RtmpOutput
from livehost.stream.uplink import UplinkAdapter, bitrate_ladder

LIMIT_KBPS = 300
TOP = EncoderSettings(640, 360, 25, 1500, 64, 2.0)
ADAPTIVE = replace(TOP, min_video_kbps=100, step_up_seconds=3)
CLONE_NEWNET = 0x40000000


def _setns(fd: int) -> None:
    if hasattr(os, "setns"):  # Python 3.12
        os.setns(fd, CLONE_NEWNET)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns failed")


@contextmanager
def entered(name: str) -> Iterator[None]:
    """This thread (and the threads and processes it starts) in network namespace `name`."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        _setns(target)
        try:
            yield
        finally:
            _setns(home)
    finally:
        os.close(home)
        os.close(target)


class SlowUplink:
    def __init__(self, name: str) -> None:
        self.name = name

    def lift(self) -> None:
        """The uplink gets well: no more shaping."""
        subprocess.run(["tc", "qdisc", "del", "dev", "lo", "root"], check=True)


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.fixture
def slow_uplink() -> Iterator[SlowUplink]:
    if os.geteuid() != 0:
        pytest.skip("a network namespace shaped by tc needs root")
    if shutil.which("ip") is None or shutil.which("tc") is None:
        pytest.skip("`ip` and `tc` (iproute2) are not installed")
    name = f"livehost-uplink-{os.getpid()}"
    added = _run("ip", "netns", "add", name)
    if added.returncode != 0:
        pytest.skip(f"`ip netns` is not available here: {added.stderr.strip()}")
    try:
        inside = ("ip", "netns", "exec", name)
        up = _run(*inside, "ip", "link", "set", "lo", "up", "mtu", "1500")
        assert up.returncode == 0, up.stderr
        shaped = _run(
            *inside, "tc", "qdisc", "add", "dev", "lo", "root", "tbf",
            "rate", f"{LIMIT_KBPS}kbit", "burst", "16kb", "latency", "400ms",
        )  # fmt: skip
        if shaped.returncode != 0:
            pytest.skip(f"tc cannot shape the namespace's loopback: {shaped.stderr.strip()}")
        with entered(name):
            yield SlowUplink(name)
    finally:
        _run("ip", "netns", "del", name)


def received(watch: IngestWatch, start: float, end: float) -> tuple[float, float]:
    """Seconds of video that reached the ingest between two moments, and its bitrate
    (kbit per second of video: the stream's own rate, not the link's burstiness)."""
    video = [t for t in watch.tags if t.kind == "video" and start <= t.arrived < end]
    seconds = len(video) / TOP.fps
    return seconds, sum(t.size for t in video) * 8 / 1000 / max(seconds, 1 / TOP.fps)


@dataclass
class Run:
    limited: OutputStatus  # when the limit was lifted
    rates: list[int]  # the output's video bitrate, twice a second in the second half
    video_seconds: float  # of video the ingest got in the second half
    kbps_in: float  # its bitrate there
    back_up: float | None  # seconds from lifting the limit to the top bitrate


def stream_through(
    uplink: SlowUplink, tmp_path: Path, settings: EncoderSettings, seconds: float
) -> Run:
    """Streams noise through the slow uplink for `seconds`, then lifts the limit and (with
    adaptation) waits for the top bitrate."""
    with nginx_rtmp(tmp_path / "nginx", record=True).start() as ingest:
        output = RtmpOutput("main", f"rtmp://127.0.0.1:{ingest.port}/live/up", settings)
        with IngestWatch(ingest.workdir / "recordings") as watch, NoiseSource([output]):
            output.start()
            try:
                began = time.time()
                time.sleep(seconds / 2)
                rates = []
                while time.time() < began + seconds:
                    rates.append(output.status.video_kbps)
                    time.sleep(0.5)
                limited = replace(output.status)
                ended = time.time()
                back_up = None
                if output.adapter is not None:
                    uplink.lift()
                    back_up = wait_for(lambda: output.status.video_kbps >= TOP.video_kbps, 30)
            finally:
                output.stop()
    return Run(limited, rates, *received(watch, began + seconds / 2, ended), back_up)


def test_a_fixed_bitrate_is_more_than_the_slow_uplink_carries(slow_uplink, tmp_path) -> None:
    """The premise: at a fixed 1.5 Mbit/s the stream breaks again and again and almost
    nothing reaches the ingest (what every poor uplink got before adaptation)."""
    run = stream_through(slow_uplink, tmp_path, TOP, 16)
    print(f"fixed: {run.limited.reconnects} reconnects in 16 s, {run.video_seconds:.1f} s of video")
    assert run.limited.reconnects >= 3
    assert run.video_seconds < 0.3 * 8


def test_bitrate_steps_down_to_a_slow_uplink_and_back_up(slow_uplink, tmp_path) -> None:
    run = stream_through(slow_uplink, tmp_path, ADAPTIVE, 24)
    limited = run.limited
    print(
        f"adaptive: {limited.reconnects} reconnects and {limited.bitrate_steps} steps in 24 s, "
        f"last 12 s at {sorted(run.rates)} kbit/s (link carried {limited.uplink_kbps} kbit/s "
        f"when short); the ingest got {run.video_seconds:.1f} s of video at "
        f"{run.kbps_in:.0f} kbit/s; back at the top {run.back_up} s after the limit went"
    )
    assert limited.reconnects <= 3, limited
    assert limited.bitrate_steps >= 1
    assert statistics.median(run.rates) < LIMIT_KBPS, run.rates  # now and then a step up
    # the stream stayed up: most of the picture arrived, below the limit
    assert run.video_seconds >= 0.6 * 12, f"only {run.video_seconds:.1f} s of 12 s arrived"
    assert run.kbps_in < LIMIT_KBPS
    assert run.back_up is not None  # (wait_for fails the test after 30 s)


# --- the adapter's rules, fed measured seconds directly (no network needed) ---


@dataclass
class Totals:
    """A session's running totals, as stream/uplink.py reads them from a session."""

    connected: bool = True
    blocked_seconds: float = 0.0
    bytes_out: int = 0
    video_bytes_out: int = 0
    backlog_bytes: int = 0
    send_buffer_bytes: int = 65536

    def second(self, kbps: float, waited: float, backlog: int) -> None:
        """One more second: the link carried `kbps`, writes waited `waited` s, and the send
        queue ends at `backlog` bytes (what it grew by was sent too, but not carried)."""
        sent = int(kbps * 125) + max(0, backlog - self.backlog_bytes)
        self.bytes_out += sent
        self.video_bytes_out += sent
        self.blocked_seconds += waited
        self.backlog_bytes = backlog


def feed(adapter: UplinkAdapter, totals: Totals, now: float, seconds: int, **second) -> list:
    """`seconds` seconds of the same link; returns what the adapter asked for each."""
    asked = []
    for i in range(1, seconds + 1):
        totals.second(**second)
        asked.append(adapter.observe(now + i, totals))
    return asked


def test_the_ladder_runs_from_the_floor_to_the_cap_in_even_steps() -> None:
    rungs = bitrate_ladder(2500, 200)
    assert rungs[0] == 200 and rungs[-1] == 2500 and rungs == sorted(rungs)
    assert all(1.2 < b / a < 1.6 for a, b in itertools.pairwise(rungs))


def test_a_floor_of_zero_still_makes_a_finite_ladder() -> None:
    # EncoderSettings takes min_video_kbps=0 outside the config; round(1 * 0.7) is 1 again
    for floor in (0, -5):
        rungs = bitrate_ladder(1500, floor)
        assert rungs[0] == 1 and rungs[-1] == 1500 and rungs == sorted(set(rungs)), rungs
    assert UplinkAdapter(1500, 0).rungs[0] == 1


def test_two_short_seconds_step_down_to_what_the_link_carried() -> None:
    adapter, totals = UplinkAdapter(2500, 200, step_up_seconds=30), Totals()
    adapter.session_started(0)
    adapter.observe(0, totals)
    asked = feed(adapter, totals, 0, 2, kbps=400, waited=0.9, backlog=60000)
    assert asked[0] is None  # one bad second is not enough
    assert asked[1] is not None and asked[1] <= 0.8 * 400
    assert adapter.steps == 1 and adapter.uplink_kbps == pytest.approx(400)


def test_waits_with_an_empty_send_queue_are_a_busy_sender_not_a_short_link() -> None:
    adapter, totals = UplinkAdapter(2500, 200), Totals()
    adapter.session_started(0)
    adapter.observe(0, totals)
    assert feed(adapter, totals, 0, 5, kbps=1500, waited=0.6, backlog=0) == [None] * 5


def test_a_step_up_that_does_not_hold_doubles_the_wait_for_the_next() -> None:
    adapter, totals = UplinkAdapter(2500, 200, step_up_seconds=10), Totals()
    adapter.rung = 2  # some way down the ladder
    adapter.session_started(0)
    adapter.observe(0, totals)
    clean = {"kbps": adapter.kbps, "waited": 0.0, "backlog": 0}
    asked = feed(adapter, totals, 0, 10, **clean)
    assert asked[-1] == adapter.rungs[3]  # ten clean seconds: one rung up
    adapter.session_started(10)
    adapter.observe(10, totals)
    asked = feed(adapter, totals, 10, 2, kbps=530, waited=0.9, backlog=60000)
    assert asked == [None, adapter.rungs[2]]  # it congested at once: straight back down
    assert adapter.step_up_wait == 20
    adapter.session_started(12)
    adapter.observe(12, totals)
    clean["kbps"] = adapter.kbps
    asked = feed(adapter, totals, 12, 20, **clean)
    assert asked[:19] == [None] * 19 and asked[19] == adapter.rungs[3]


def test_a_stall_after_a_long_clean_stretch_reads_as_a_hung_ingest() -> None:
    adapter, totals = UplinkAdapter(2500, 200), Totals()
    adapter.session_started(0)
    adapter.observe(0, totals)
    feed(adapter, totals, 0, 15, kbps=2500, waited=0.0, backlog=0)
    totals.second(kbps=600, waited=2.0, backlog=60000)  # buffers fill, then nothing moves
    assert adapter.session_failed(17, totals) is None
    assert adapter.kbps == 2500
