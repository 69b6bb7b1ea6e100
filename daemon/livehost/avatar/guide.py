"""The capture guide: how to record the clip a video host is cloned from.

Two forms of the same timeline (livehost.avatar.video.timeline): a printable card, and a
teleprompter video to play beside the camera, which shows each take, counts down its
seconds and beeps at its start, so the clip comes out cut the way the builder reads it.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw

from livehost.avatar.reading import READING
from livehost.avatar.video import timeline
from livehost.render import text

LANGUAGES = tuple(READING)
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese"}

SIZE = (1280, 720)
FPS = 25
AUDIO_RATE = 48000
AAC_FRAME = 1024  # samples in one AAC frame; the encoder takes no other size
BEEP_HZ, BEEP_SECONDS = 1000.0, 0.1
CJK_PUNCTUATION = "，。、！？：；）」』"  # never at the start of a line


class GuideError(ValueError):
    """A guide that cannot be made as asked (language, file type)."""


def check_language(language: str) -> None:
    if language not in READING:
        raise GuideError(f"no reading text for language {language!r}; "
                         f"choose one of: {', '.join(LANGUAGES)}")


def clock(seconds: float) -> str:
    """mm:ss, with tenths only where a time does not fall on a whole second."""
    minutes, rest = divmod(seconds, 60)
    if rest == int(rest):
        return f"{int(minutes):02d}:{int(rest):02d}"
    return f"{int(minutes):02d}:{rest:04.1f}"


def card(language: str = "en") -> str:
    """The printable guide: setup, consent, the timeline, the reading text, the sidecar."""
    check_language(language)
    total = timeline.total_seconds()
    what = {take.name: take.what for take in timeline.TAKES}
    lines = [
        "Capture guide: a video host from one minute of video",
        "",
        *textwrap.wrap(
            f"Record one take of {total:g} seconds, following the timeline below. Play the "
            "teleprompter (livehost avatar guide --out guide.mp4) on a screen beside the "
            "camera, as close to the lens as you can: it shows each take, counts down its "
            "seconds and beeps as each take starts. Start the camera, then the "
            "teleprompter at once: the builder cuts the clip by these times, counted from "
            "the clip's first frame.", 88),
        "",
        "Set up",
        "  - One take, no cuts: keep the camera running from start to end.",
        "  - A steady camera (a tripod) at eye level.",
        "  - Your face large in the frame and evenly lit, without hard shadows.",
        "  - A plain background, and no other people in the picture.",
        "  - A quiet room: the reading is recorded with its sound.",
        "  - 25 or 30 fps at a constant frame rate (turn off a phone's variable rate).",
        "  - The same framing the stream will use.",
        "",
        "Consent",
        "  A real person's face needs their consent on record. Build the host with:",
        "    livehost avatar build --video clip.mp4 --person \"Full Name\" \\",
        "        --consent-reference FORM-ID --consent-date YYYY-MM-DD",
        "",
        f"Timeline (rest in the idle pose for {timeline.GAP:g} s between takes)",
    ]
    for seg in timeline.segments():
        lines.append(f"  {clock(seg.start)}-{clock(seg.end)}  {seg.name:<10} {what[seg.name]}")
        if seg.name == "reading":
            lines.append(f"  {'':<11}  {'':<10} (the reading text is below)")
    lines += ["", f"Reading text ({LANGUAGE_NAMES.get(language, language)})"]
    lines += [f"  {line}" for line in _wrap_card(READING[language], language)]
    lines += [
        "",
        "Recorded another way",
        *textwrap.wrap(
            "A clip not recorded along this timeline (other order, other lengths) needs a "
            "segments.yaml beside it saying where each take lies: a list of name, start "
            "and end in seconds, with the names above. For this timeline it reads:", 86,
            initial_indent="  ", subsequent_indent="  "),
        *(f"    - {{name: {s.name}, start: {s.start:g}, end: {s.end:g}}}"
          for s in timeline.segments()),
    ]
    return "\n".join(lines) + "\n"


def _wrap_card(words: str, language: str) -> list[str]:
    if language != "zh":
        return textwrap.wrap(words, 86)
    # No spaces to break at, and a Chinese character prints two columns wide: break every
    # 42 characters, but never before punctuation.
    lines: list[str] = []
    for ch in words:
        if lines and (len(lines[-1]) < 42 or ch in CJK_PUNCTUATION):
            lines[-1] += ch
        else:
            lines.append(ch)
    return lines


def write(path: Path, language: str = "en") -> None:
    """Write the card (.txt) or the teleprompter video (.mp4), by the file's suffix."""
    check_language(language)
    suffix = path.suffix.lower()
    if suffix == ".txt":
        path.write_text(card(language), encoding="utf-8")
    elif suffix == ".mp4":
        write_video(path, language)
    else:
        raise GuideError(f"{path.name}: write the guide as .txt (the card) or .mp4 (the "
                         "teleprompter)")


# --- the teleprompter --------------------------------------------------------------------

READING_LINES = 4  # the reading shows this many lines: one just read, the current, two more


@dataclass(frozen=True)
class Screen:
    """What one stretch of frames shows; equal screens are rendered once."""

    heading: str
    body: str
    countdown: int
    footer: str = ""
    lines: tuple[str, ...] = ()  # the reading's window, and which line is being read
    current: int = -1
    resting: bool = False


def screen_at(t: float, reading_lines: list[str]) -> Screen:
    """The teleprompter's screen at `t` seconds into the guide."""
    segs, takes = timeline.segments(), timeline.TAKES
    for i, (seg, take) in enumerate(zip(segs, takes, strict=True)):
        upcoming = f"next: {takes[i + 1].name}" if i + 1 < len(takes) else "last take"
        if seg.start <= t < seg.end:
            heading = f"{i + 1}/{len(takes)}  {take.name}"
            left = math.ceil(seg.end - t - 1e-9)
            if take.name != "reading":
                return Screen(heading, take.what, left, upcoming)
            window, current = _reading_window(reading_lines, (t - seg.start) / take.seconds)
            return Screen(heading, "", left, upcoming, window, current)
        if t < seg.start:  # a gap before this take
            return Screen("rest", f"Hold the idle pose. Next: {take.name}. {take.what}",
                          math.ceil(seg.start - t - 1e-9), resting=True)
    return Screen("done", "Thank you. You can stop the camera.", 0, resting=True)


def _reading_window(lines: list[str], progress: float) -> tuple[tuple[str, ...], int]:
    """The lines on screen and the one to read now: each line's share of the take is its
    share of the characters, so the text ends as the take does."""
    sizes = [max(1, len(line)) for line in lines]
    target, done, current = progress * sum(sizes), 0, len(lines) - 1
    for i, size in enumerate(sizes):
        if done + size > target:
            current = i
            break
        done += size
    first = max(0, min(current - 1, len(lines) - READING_LINES))
    return tuple(lines[first:first + READING_LINES]), current - first


def write_video(path: Path, language: str = "en") -> None:
    """The teleprompter: 1280x720 at 25 fps, H.264 with an AAC track of cue beeps."""
    check_language(language)
    reading_lines = _hang_punctuation(text.wrap(READING[language], text.font(46), SIZE[0] - 160))
    frames = round(timeline.total_seconds() * FPS)
    audio = _beeps(frames / FPS)
    rendered: dict[Screen, np.ndarray] = {}
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=FPS, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = *SIZE, "yuv420p"
        sound = container.add_stream("aac", rate=AUDIO_RATE, layout="mono")
        heard = 0  # audio samples muxed so far: kept level with the video, interleaved
        for n in range(frames):
            screen = screen_at(n / FPS, reading_lines)
            if screen not in rendered:
                rendered[screen] = _yuv(_draw(screen))
            frame = av.VideoFrame.from_ndarray(rendered[screen], format="yuv420p")
            frame.pts, frame.time_base = n, Fraction(1, FPS)
            container.mux(video.encode(frame))
            while heard < min(len(audio), (n + 1) * AUDIO_RATE // FPS):
                container.mux(sound.encode(_audio_frame(audio, heard)))
                heard += AAC_FRAME
        container.mux(video.encode(None))
        container.mux(sound.encode(None))


def _audio_frame(audio: np.ndarray, start: int) -> av.AudioFrame:
    chunk = audio[start:start + AAC_FRAME]
    chunk = np.pad(chunk, (0, AAC_FRAME - len(chunk)))  # the last frame, padded with silence
    frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="fltp", layout="mono")
    frame.sample_rate, frame.pts = AUDIO_RATE, start
    frame.time_base = Fraction(1, AUDIO_RATE)
    return frame


def _hang_punctuation(lines: list[str]) -> list[str]:
    """Chinese lines never start with a comma or full stop: it hangs at the previous end."""
    out: list[str] = []
    for line in lines:
        while out and line and line[0] in CJK_PUNCTUATION:
            out[-1], line = out[-1] + line[0], line[1:]
        if line:
            out.append(line)
    return out


def _beeps(seconds: float) -> np.ndarray:
    """Silence with a 100 ms 1 kHz beep at each take's start, ramped to avoid clicks."""
    audio = np.zeros(round(seconds * AUDIO_RATE), np.float32)
    n = round(BEEP_SECONDS * AUDIO_RATE)
    t = np.arange(n) / AUDIO_RATE
    ramp = np.minimum(1.0, np.minimum(t, BEEP_SECONDS - t) / 0.005)
    beep = (0.5 * np.sin(2 * np.pi * BEEP_HZ * t) * ramp).astype(np.float32)
    for seg in timeline.segments():
        at = round(seg.start * AUDIO_RATE)
        audio[at:at + n] = beep[:len(audio) - at]
    return audio


BACKGROUND = (16, 18, 22)
WHITE, GREY, DIM = (240, 240, 240), (150, 150, 155), (95, 95, 100)
ACCENT, REST = (255, 196, 64), (120, 200, 140)


def _draw(screen: Screen) -> Image.Image:
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    margin, width = 80, SIZE[0] - 160
    if screen.countdown:  # big and top right: readable from the corner of the eye
        count = str(screen.countdown)
        face = text.font(120, "bold")
        draw.text((SIZE[0] - margin - face.getlength(count), 30), count, font=face,
                  fill=REST if screen.resting else ACCENT)
    draw.text((margin, 50), screen.heading, font=text.font(72, "bold"),
              fill=REST if screen.resting else ACCENT)
    if screen.lines:
        face, y = text.font(46), 200
        step = int(sum(face.getmetrics()) * 1.35)
        for i, line in enumerate(screen.lines):
            colour = WHITE if i == screen.current else DIM
            draw.text((margin, y + i * step), line, font=face, fill=colour)
    else:
        face = text.font(50)
        text.draw_lines(draw, text.wrap(screen.body, face, width), face, margin, 220, WHITE)
    if screen.footer:
        draw.text((margin, SIZE[1] - 80), screen.footer, font=text.font(34), fill=GREY)
    return image


def _yuv(image: Image.Image) -> np.ndarray:
    return av.VideoFrame.from_image(image).reformat(format="yuv420p").to_ndarray()
