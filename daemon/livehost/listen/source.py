"""The microphone: a thread that reads audio and hands mono int16 chunks to sinks.

Devices (the `device` string):

    default, hw:1,0, plughw:CARD=USB,DEV=0
        an ALSA capture device, by any name `arecord -L` shows; `plughw:` converts
        rates and channels when the card itself cannot
    file:PATH
        an audio file PyAV can decode (WAV, FLAC, MP3...), played at real time and
        looped, so it behaves like a microphone: for tests and demonstrations
    fifo:PATH
        a named pipe (mkfifo) into which another program writes raw s16le mono 16 kHz
        PCM, for boxes that get their audio some other way

Whatever the input, the sinks get mono int16 samples at `rate`, about `chunk_seconds`
at a time, with the time.monotonic() at which the last of them arrived. A device that
cannot be opened, or stops in the middle, is opened again later (with a doubling wait)
and the status says why in words; the thread never raises and never waits on a sink
for longer than the sink takes.
"""

from __future__ import annotations

import logging
import os
import select
import stat
import threading
import time
from collections.abc import Callable, Generator, Sequence
from contextlib import closing
from dataclasses import dataclass

import av
import numpy as np

log = logging.getLogger(__name__)

AudioSink = Callable[[np.ndarray, float], None]
"""(int16 mono samples at the source's rate, time.monotonic() when the last one arrived)"""

FIFO_RATE = 16000  # what a fifo: writer sends, s16le mono
_TICK = 0.1  # seconds a FIFO read waits, so stop() and stall checks are never late
_FIFO_READ = 65536  # bytes at most per read of a FIFO


@dataclass(frozen=True)
class SourceStatus:
    """Where the source stands. "stalled": open, but no audio for `stall_after` seconds
    (a FIFO that nobody writes to yet is stalled too); "retrying": waiting to open again."""

    device: str  # as configured
    state: str  # "off" | "opening" | "listening" | "retrying" | "stalled"
    problem: str = ""  # why it is not listening, in words a person can act on
    opened: int = 0  # successful opens
    failures: int = 0  # failed opens or reads
    seconds: float = 0.0  # seconds of audio delivered


class _Problem(Exception):
    """Why the device cannot be read just now, in words for the status."""


def _why(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def parse_device(device: str) -> tuple[str, str]:
    for kind in ("file", "fifo"):
        if device.startswith(kind + ":"):
            return kind, device[len(kind) + 1 :]
    return "alsa", device


class _Chunker:
    """Collects samples of any lengths and cuts them into chunks of one size."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._parts: list[np.ndarray] = []
        self._count = 0

    def push(self, samples: np.ndarray) -> list[np.ndarray]:
        self._parts.append(samples)
        self._count += samples.size
        if self._count < self.size:
            return []
        whole = np.concatenate(self._parts)
        cut = whole.size - whole.size % self.size
        rest = whole[cut:]
        self._parts, self._count = ([rest] if rest.size else []), rest.size
        return np.split(whole[:cut], cut // self.size)

    def rest(self) -> np.ndarray | None:
        whole = np.concatenate(self._parts) if self._parts else None
        self._parts, self._count = [], 0
        return whole


class MicSource:
    """Reads `device` in a thread of its own (see the module's doc for the syntax)."""

    def __init__(
        self,
        device: str,
        rate: int = 48000,
        sinks: Sequence[AudioSink] = (),
        chunk_seconds: float = 0.02,
        retry: tuple[float, float] = (1.0, 30.0),
        stall_after: float = 2.0,
    ) -> None:
        self.device = device
        self.rate = rate
        self._chunk = max(1, round(rate * chunk_seconds))
        self._retry = retry
        self._stall_after = stall_after
        self._sinks: list[AudioSink] = list(sinks)
        self._broken: set[int] = set()  # ids of sinks that raised, logged once each
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = "off"
        self._problem = ""
        self._logged = ""  # the problem last logged, so a retry does not log it again
        self._opened = 0
        self._failures = 0
        self._samples = 0
        self._last_audio = 0.0  # monotonic time of the last chunk, or of the last open

    def add_sink(self, sink: AudioSink) -> None:
        with self._lock:
            self._sinks = [*self._sinks, sink]  # a new list: the thread iterates the old one

    def start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop = threading.Event()  # its own event, should an old thread linger
            self._state, self._problem = "opening", ""
            self._thread = threading.Thread(
                target=self._run, args=(self._stop,), name="listen-source", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("the microphone %s did not stop within %g s", self.device, timeout)
        with self._lock:
            self._state, self._problem = "off", ""

    @property
    def status(self) -> SourceStatus:
        with self._lock:
            state, problem = self._state, self._problem
            idle = time.monotonic() - self._last_audio
            # a read that blocks inside the device (ALSA) cannot say it stalled itself
            if state == "listening" and idle >= self._stall_after:
                state = "stalled"
                problem = f"{self.device} sends nothing; no audio for {idle:.1f} s"
            return SourceStatus(
                self.device,
                state,
                problem,
                self._opened,
                self._failures,
                self._samples / self.rate,
            )

    # --- the thread ---

    def _run(self, stop: threading.Event) -> None:
        delay = self._retry[0]
        while not stop.is_set():
            before = self._samples
            why = self._attempt(stop)
            if stop.is_set():
                break
            if self._samples > before:
                delay = self._retry[0]  # it worked for a while: no long wait
            if not why:
                continue  # the end of a file: play it again
            with self._lock:
                self._failures += 1
            self._trouble("retrying", why, f"; trying again in {delay:g} s")
            if stop.wait(delay):
                break
            delay = min(delay * 2, self._retry[1])
        with self._lock:
            self._state, self._problem = "off", ""

    def _attempt(self, stop: threading.Event) -> str:
        """Open and read once; "" when the input simply ended, else what went wrong."""
        before = self._samples
        try:
            self._session(stop)
        except _Problem as problem:
            return str(problem)
        except (OSError, av.error.FFmpegError) as error:
            return f"reading {self.device} failed ({_why(error)})"
        except Exception as error:  # a bug: say so, but the thread must go on all the same
            log.exception("reading the microphone %s failed", self.device)
            return f"reading {self.device} failed ({_why(error)})"
        return "" if self._samples > before or stop.is_set() else f"{self.device} has no audio"

    def _session(self, stop: threading.Event) -> None:
        """One open of the device, read until it ends (returns) or fails (raises)."""
        kind, target = parse_device(self.device)
        readers = {"alsa": self._alsa, "file": self._file, "fifo": self._fifo}
        # one resampler per open, so its filter state never spans two streams
        resampler = av.AudioResampler(format="s16", layout="mono", rate=self.rate)
        chunker = _Chunker(self._chunk)
        paced = kind == "file"
        began = 0.0  # when the first frame came, for pacing a file
        sent = 0  # samples delivered in this open

        def send(chunks: list[np.ndarray]) -> bool:
            """Deliver, at real time when paced; False once stopped."""
            nonlocal sent
            for chunk in chunks:
                sent += chunk.size
                if paced and stop.wait(max(0.0, began + sent / self.rate - time.monotonic())):
                    return False
                self._deliver(chunk)
            return True

        with self._lock:
            if self._state != "listening":  # a file's loop stays "listening"
                self._state = "opening"
        # closing: a stop in the middle closes the device now, not when garbage is collected
        with closing(readers[kind](target, stop)) as items:
            for item in items:
                if stop.is_set():
                    return
                if isinstance(item, str):
                    self._idle(item)
                    continue
                began = began or time.monotonic()
                if not send(self._chunks(resampler.resample(item), chunker)):
                    return
        # the end of the input: what the resampler still holds, then the last short chunk
        tail = self._chunks(resampler.resample(None), chunker)
        rest = chunker.rest()
        send([*tail, rest] if rest is not None else tail)

    @staticmethod
    def _chunks(frames: list[av.AudioFrame], chunker: _Chunker) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        for frame in frames:
            out.extend(chunker.push(frame.to_ndarray().reshape(-1)))
        return out

    def _opened_one(self) -> None:
        with self._lock:
            self._opened += 1
            self._last_audio = time.monotonic()  # a stall counts from the open

    def _alsa(self, name: str, stop: threading.Event) -> Generator[av.AudioFrame | str, None, None]:
        # the alsa demuxer's options: sample_rate, and ch_layout (FFmpeg 7.1+; the older
        # "channels" is deprecated); the resampler makes mono whatever the card gives
        options = {"sample_rate": str(self.rate), "ch_layout": "mono"}
        try:
            container = av.open(name, format="alsa", options=options)
        except (OSError, av.error.FFmpegError) as error:
            raise _Problem(
                f"cannot open ALSA device '{name}' ({_why(error)}): it is missing, busy, "
                "not a capture device, or cannot record 48 kHz mono (plughw: converts); "
                "`arecord -L` lists them"
            ) from error
        with container:
            self._opened_one()
            try:
                yield from container.decode(audio=0)
            except (OSError, av.error.FFmpegError) as error:
                raise _Problem(
                    f"ALSA device '{name}' stopped delivering audio ({_why(error)})"
                ) from error
        raise _Problem(f"ALSA device '{name}' ended its stream")

    def _file(self, path: str, stop: threading.Event) -> Generator[av.AudioFrame | str, None, None]:
        if not os.path.isfile(path):
            raise _Problem(f"no audio file at {path}")
        try:
            container = av.open(path)
        except (OSError, av.error.FFmpegError) as error:
            raise _Problem(f"cannot read the audio file {path} ({_why(error)})") from error
        with container:
            if not container.streams.audio:
                raise _Problem(f"{path} has no audio stream")
            self._opened_one()
            yield from container.decode(audio=0)

    def _fifo(self, path: str, stop: threading.Event) -> Generator[av.AudioFrame | str, None, None]:
        # non-blocking, so that neither opening (which waits for a writer) nor reading
        # (which waits for data) can hold up stop()
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except FileNotFoundError as error:
            raise _Problem(
                f"no FIFO at {path} (the program that writes the audio makes it with mkfifo)"
            ) from error
        except OSError as error:
            raise _Problem(f"cannot open the FIFO {path} ({_why(error)})") from error
        try:
            if not stat.S_ISFIFO(os.fstat(fd).st_mode):
                raise _Problem(f"{path} is not a FIFO (make one with mkfifo)")
            self._opened_one()
            odd = b""  # half a sample, when a read ends between its two bytes
            while not stop.is_set():
                # Linux: readable once there is data, or once a writer came and went
                ready, _, _ = select.select([fd], [], [], _TICK)
                try:
                    data = os.read(fd, _FIFO_READ)
                except BlockingIOError:  # a writer is there but sends nothing
                    yield f"the program writing to {path} sends nothing"
                    continue
                if not data:
                    if ready:
                        raise _Problem(f"the program writing to {path} closed it")
                    yield f"no program has opened {path} for writing"
                    continue
                data, odd = odd + data, b""
                if len(data) % 2:
                    data, odd = data[:-1], data[-1:]
                if data:
                    yield _mono_frame(np.frombuffer(data, dtype="<i2"), FIFO_RATE)
        finally:
            os.close(fd)

    # --- status and sinks ---

    def _idle(self, why: str) -> None:
        """Nothing arrived just now; after stall_after of that, say so."""
        with self._lock:
            idle = time.monotonic() - self._last_audio
        if idle >= self._stall_after:
            self._trouble("stalled", why, f"; no audio for {idle:.1f} s")

    def _trouble(self, state: str, why: str, detail: str = "") -> None:
        """Set a problem; log it when it is new (`detail` changes without being new)."""
        with self._lock:
            self._state, self._problem = state, why + detail
            new, self._logged = why != self._logged, why
        if new:
            log.warning("microphone %s: %s%s", self.device, why, detail)

    def _deliver(self, chunk: np.ndarray) -> None:
        chunk.flags.writeable = False  # all sinks get the same array
        arrived = time.monotonic()
        with self._lock:
            self._samples += chunk.size
            self._last_audio = arrived
            sinks = self._sinks
            back = self._state != "listening"
            if back:
                self._state, self._problem, self._logged = "listening", "", ""
        if back:
            log.info("microphone %s: listening", self.device)
        for sink in sinks:
            try:
                sink(chunk, arrived)
            except Exception:
                if id(sink) not in self._broken:
                    self._broken.add(id(sink))
                    log.exception("a sink of the microphone %s failed", self.device)


def _mono_frame(samples: np.ndarray, rate: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(
        samples.astype(np.int16).reshape(1, -1), format="s16", layout="mono"
    )
    frame.sample_rate = rate
    return frame
