"""Log-mel windows for Wav2Lip-family models, in numpy (no librosa at run time)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from livehost.lipsync.onnx.manifest import MelSettings


def resample(audio: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """float32 audio at rate_out: windowed-sinc low-pass below the new Nyquist, then
    linear interpolation (plenty for a mel front end that stops at 7.6 kHz)."""
    x = audio.astype(np.float32)
    if audio.dtype == np.int16:
        x /= 32768.0
    if rate_in == rate_out or len(x) == 0:
        return x
    if rate_out < rate_in:
        cutoff = 0.45 * rate_out / rate_in  # cycles per input sample
        taps = np.arange(-32, 33)
        h = 2 * cutoff * np.sinc(2 * cutoff * taps) * np.hamming(len(taps))
        x = np.convolve(x, (h / h.sum()).astype(np.float32), mode="same")
    n_out = round(len(x) * rate_out / rate_in)
    t = np.arange(n_out) * (rate_in / rate_out)
    return np.interp(t, np.arange(len(x)), x).astype(np.float32)


@lru_cache(maxsize=4)
def mel_basis(s: MelSettings) -> np.ndarray:
    """Slaney-style triangular mel filters, area-normalised (n_mels x n_fft/2+1)."""
    def hz_to_mel(f):
        f = np.asarray(f, np.float64)
        lin = f / (200.0 / 3)
        log = 15.0 + np.log(np.maximum(f, 1e-9) / 1000.0) / (np.log(6.4) / 27.0)
        return np.where(f >= 1000.0, log, lin)

    def mel_to_hz(m):
        m = np.asarray(m, np.float64)
        lin = m * (200.0 / 3)
        log = 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0))
        return np.where(m >= 15.0, log, lin)

    freqs = np.linspace(0, s.sample_rate / 2, s.n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(s.fmin), hz_to_mel(s.fmax), s.n_mels + 2))
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None, :] - lo) / (mid - lo)
    down = (hi - freqs[None, :]) / (hi - mid)
    weights = np.maximum(0, np.minimum(up, down))
    weights *= (2.0 / (hi - lo))
    return weights.astype(np.float32)


def mel_window(audio16: np.ndarray, first_centre: int, s: MelSettings) -> np.ndarray:
    """[n_mels, window_frames] normalised log-mel whose first frame is centred on sample
    `first_centre` of `audio16` (which must reach win/2 samples beyond the last centre;
    callers pad with silence)."""
    half = s.win // 2
    idx = first_centre - half + s.hop * np.arange(s.window_frames)[:, None] + np.arange(s.win)
    idx = np.clip(idx, 0, len(audio16) - 1)
    frames = audio16[idx]
    # Pre-emphasis within each frame: the same as over the whole signal but for one sample.
    frames = np.concatenate([frames[:, :1], frames[:, 1:] - s.preemphasis * frames[:, :-1]], 1)
    spec = np.abs(np.fft.rfft(frames * _hann(s.win), n=s.n_fft, axis=1)).astype(np.float32)
    mel = mel_basis(s) @ spec.T
    db = 20 * np.log10(np.maximum(1e-5, mel)) - s.ref_level_db
    m = s.max_abs_value
    return np.clip(2 * m * (db - s.min_level_db) / -s.min_level_db - m, -m, m).astype(np.float32)


@lru_cache(maxsize=4)
def _hann(n: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float32)
