"""`livehost avatar build --video`: a synthetic talking clip (the warp engine animating the
demo portrait with Piper speech, its mouth shapes known) in, a checked package out; bad
clips refused with a message a person can act on; the reading's text aligned with the
clip's sound, and the held-out mouths chosen for its phonemes as on air."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml
from tests.face.synthetic_clip import (
    READING_TEXT,
    SHORT_TAKES,
    _fill,
    make_bad_clips,
    make_clip,
)

from livehost.avatar.kinds import load_any_avatar
from livehost.avatar.manifest import Consent
from livehost.avatar.package import AvatarError, load_avatar
from livehost.avatar.video import align
from livehost.avatar.video import clip as clips
from livehost.avatar.video.build import build_video_avatar, read_segments
from livehost.avatar.video.manifest import VideoManifest
from livehost.avatar.video.timeline import segments
from livehost.speech.chunk import SpeechChunk

CONSENT = Consent(person="Test Person", consent_reference="tests/face", date=dt.date(2026, 12, 1))


class _Recorded:
    """The voice, keeping the sentences it speaks: where make_clip placed them is the
    truth an alignment is checked against."""

    def __init__(self, voice) -> None:
        self.voice = voice
        self.chunks: list[SpeechChunk] = []

    @property
    def sample_rate(self) -> int:
        return self.voice.sample_rate

    def synthesize(self, text: str) -> Iterator[SpeechChunk]:
        for chunk in self.voice.synthesize(text):
            self.chunks.append(chunk)
            yield chunk


@pytest.fixture(scope="module")
def recorded_clip(tmp_path_factory, avatar, voice):
    spoken = _Recorded(voice)
    clip = make_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", avatar, spoken, SHORT_TAKES)
    return clip, spoken.chunks


@pytest.fixture(scope="module")
def clip(recorded_clip):
    return recorded_clip[0]


@pytest.fixture(scope="module")
def built(clip, detector, voice, tmp_path_factory):
    out = tmp_path_factory.mktemp("pkg") / "host"
    report = build_video_avatar(
        clip.path, out, name="host", consent=CONSENT, takes=clip.segments, detector=detector,
        voice=voice, text=READING_TEXT,
    )
    return out, report, clip


def test_the_build_writes_a_package_with_every_frame_and_its_mouth(built) -> None:
    out, report, clip = built
    manifest = VideoManifest.model_validate(yaml.safe_load((out / "manifest.yaml").read_text()))
    assert manifest.frame_count == len(clip.mouths) and manifest.consent == CONSENT
    assert manifest.source.sha256 and manifest.size[1] == clip.size[1]
    assert [s.name for s in manifest.segments] == [s.name for s in clip.segments]
    features = np.load(out / "features.npz")
    print(f"report: {report}")
    assert report.usable_share > 0.95
    # the measured opening follows the jaw the warp engine drew
    good = ~np.isnan(features["opening"])
    r = np.corrcoef(features["opening"][good], clip.mouths[good, 0])[0, 1]
    print(f"measured lip opening vs the engine's jaw: correlation {r:.3f}")
    assert r > 0.8
    # the person's map from the voice's mouth curves to their mouths, for the engine
    voice_map = load_any_avatar(out).voice_map
    assert voice_map is not None and voice_map.weights.shape[1] == voice_map.basis.shape[0]
    assert "map_weights" not in features  # the sound's map only judged the build
    # the held-out check ran: mouths chosen for the text's phonemes (as on air), against
    # a mouth that never moves
    assert report.held_out_error is not None and report.constant_mouth_error
    assert report.held_out_driver == "phonemes"
    assert 0 < report.error_ratio < 3


def test_the_idle_loop_lies_in_the_idle_take_and_its_seam_is_smooth(built) -> None:
    out, report, clip = built
    manifest = VideoManifest.model_validate(yaml.safe_load((out / "manifest.yaml").read_text()))
    idle = next(s for s in clip.segments if s.name == "idle")
    assert idle.start * clip.fps <= manifest.idle.start < manifest.idle.end
    assert manifest.idle.end <= idle.end * clip.fps
    assert report.idle_loop_seconds >= 4.0
    # no visible jump: the seam's change no larger than the idle take's own median step
    assert report.seam <= max(report.clip_median_step, 0.5) * 1.5


def test_a_video_package_is_not_loaded_as_a_photo_avatar(built) -> None:
    out, _, _ = built
    with pytest.raises(AvatarError, match=r"video avatar.*atlas engine"):
        load_avatar(out)


def test_a_real_person_needs_a_consent_record(clip, detector, tmp_path) -> None:
    with pytest.raises(AvatarError, match="consent"):
        build_video_avatar(clip.path, tmp_path / "x", name="x", consent=None, detector=detector)
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("short", "too short"),
        ("no_audio", "no sound"),
        ("variable_rate", "frame rate varies"),
        ("no_face", "no face"),
        ("two_faces", "more than one face"),
        ("tiny_face", "too small"),
        ("dark", "too dark"),
    ],
)
def test_bad_clips_are_refused_with_what_to_do(bad_clips, detector, tmp_path, kind, says) -> None:
    with pytest.raises(AvatarError, match=says) as refused:
        build_video_avatar(
            bad_clips[kind], tmp_path / "x", name="x", consent=CONSENT, detector=detector,
            takes=[s for s in segments() if s.name in ("idle", "reading")],
        )
    print(f"{kind}: {refused.value}")
    assert not (tmp_path / "x").exists()


@pytest.fixture(scope="module")
def bad_clips(tmp_path_factory, avatar, voice) -> dict[str, Path]:
    return make_bad_clips(tmp_path_factory.mktemp("bad"), avatar, voice)


def test_a_sidecar_segments_file_is_read_and_checked(tmp_path) -> None:
    good = tmp_path / "segments.yaml"
    good.write_text("- {name: idle, start: 0, end: 15}\n- {name: reading, start: 16, end: 61}\n")
    assert [s.name for s in read_segments(good)] == ["idle", "reading"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {name: idle, start: 5, end: 2}\n")
    with pytest.raises(AvatarError, match="idle must start"):
        read_segments(bad)
    for end in (".inf", ".nan"):  # YAML's infinity would size a slice of frames
        bad.write_text(f"- {{name: reading, start: 0, end: {end}}}\n")
        with pytest.raises(AvatarError, match="reading must start"):
            read_segments(bad)


def _true_phoneme_starts(recorded_clip) -> np.ndarray:
    """Where make_clip placed each phoneme of the reading, in seconds of the reading."""
    clip, chunks = recorded_clip
    reading = next(s for s in clip.segments if s.name == "reading")
    return np.array([
        at - reading.start + p.start / chunk.sample_rate
        for at, chunk in _fill(reading, chunks)
        for p in chunk.phonemes
    ])


def test_the_text_is_aligned_with_the_clips_reading(recorded_clip, voice) -> None:
    clip, _ = recorded_clip
    truth = _true_phoneme_starts(recorded_clip)
    reading = next(s for s in clip.segments if s.name == "reading")
    rate = clips.AUDIO_RATE
    audio = clips.read_audio(clips.open_clip(clip.path))
    audio = audio[round(reading.start * rate):round(reading.end * rate)]
    # a second reading by the voice: the same phonemes, each a little longer or shorter
    spoken = align.speak(voice, READING_TEXT)
    assert [p.phoneme for p in spoken.phonemes[:len(truth)]] == [
        p.phoneme for _, c in _fill(reading, recorded_clip[1]) for p in c.phonemes]
    found = align.phoneme_starts(spoken, align.align(spoken, audio, rate))[:len(truth)]
    pace = np.array([p.start for p in spoken.phonemes[:len(truth)]]) / spoken.sample_rate
    error, unaligned = np.abs(found - truth), np.abs(pace - truth)
    print(f"phoneme starts: median error {np.median(error) * 1000:.0f} ms, 90th percentile "
          f"{np.percentile(error, 90) * 1000:.0f} ms, max {error.max() * 1000:.0f} ms "
          f"(unaligned, the voice's own pace: median {np.median(unaligned) * 1000:.0f} ms, "
          f"max {unaligned.max() * 1000:.0f} ms)")
    assert np.median(error) < 0.025 and np.percentile(error, 90) < 0.05
    assert error.max() < 0.2


def test_mouths_chosen_for_the_phonemes_match_the_held_out_mouths(built) -> None:
    # Measured on this clip (nine makings: the clip's voice varies each time, the build's
    # reference reading does not): the whole-lip error 0.62-0.74 of a still mouth's with
    # the text aligned and the person's voice map (the clip's sound: 0.92-1.14); the lip
    # gap alone 0.35-0.53. Before the reference reading was made steady, one in four
    # makings aligned badly (a phoneme 0.5 s off) and measured 0.80-0.95.
    _, report, _ = built
    sound = report.sound_held_out_error / report.constant_mouth_error
    print(f"held-out ratio: phonemes {report.error_ratio:.3f}, sound {sound:.3f}; lip gap "
          f"{report.opening_error_ratio:.3f} of a still gap")
    assert report.error_ratio < 0.85 and report.error_ratio < sound - 0.05
    assert report.opening_error_ratio < 0.65


def test_without_a_voice_the_sound_chooses_and_the_report_says_so(clip, detector,
                                                                 tmp_path) -> None:
    report = build_video_avatar(
        clip.path, tmp_path / "host", name="host", consent=CONSENT, takes=clip.segments,
        detector=detector,
    )
    assert report.held_out_driver == "sound"
    assert report.held_out_error == report.sound_held_out_error
    assert load_any_avatar(tmp_path / "host").voice_map is None  # the engine describes mouths
    assert any("sound" in w for w in report.warnings)
