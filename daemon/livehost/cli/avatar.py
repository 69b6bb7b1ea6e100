"""`livehost avatar build|show|guide`: make an avatar package from one photo or a clip,
inspect one, or print the capture guide for recording a video host."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from livehost.avatar.manifest import Consent
from livehost.avatar.package import AvatarError, load_avatar
from livehost.cli.modelsdir import add_models_arguments
from livehost.cli.progress import ProgressBar

if TYPE_CHECKING:
    from livehost.speech.engine import SpeechEngine


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "avatar", help="build or inspect the host's face (avatar package)",
        description="Avatar packages hold a portrait, its face landmarks and a consent record.",
    )
    sub = parser.add_subparsers(dest="avatar_command", metavar="ACTION", required=True)
    build = sub.add_parser(
        "build", help="build an avatar package from one photo or a clip",
        description="Find the face in a photo (one person, facing the camera, lips closed) "
        "and write an avatar package; or, with --video, build a host from a clip recorded "
        "along `livehost avatar guide` (about a minute) and print its report. A real person "
        "needs a consent record: --person, --consent-reference and --consent-date. "
        "--default builds the bundled public-domain demo portrait instead of --photo.",
    )
    source = build.add_mutually_exclusive_group(required=True)
    source.add_argument("--photo", type=Path, metavar="FILE", help="the portrait (JPEG or PNG)")
    source.add_argument("--default", action="store_true",
                        help="the bundled public-domain demo portrait (Grace Hopper)")
    source.add_argument("--video", type=Path, metavar="FILE",
                        help="a clip of the host recorded along `livehost avatar guide`")
    build.add_argument("--segments", type=Path, metavar="FILE",
                       help="with --video: the takes' times (- {name: idle, start: 0, end: 15} "
                       "...), for a clip not recorded along the guide; default: a "
                       "segments.yaml beside the clip, else the guide's timeline")
    build.add_argument("--out", type=Path, required=True, metavar="DIR", help="package folder")
    build.add_argument("--name", help="avatar name (default: the folder's name)")
    build.add_argument("--person", help="who is depicted")
    build.add_argument("--consent-reference", metavar="REF",
                       help="where the signed consent is kept (document id, file, ...)")
    build.add_argument("--consent-date", metavar="YYYY-MM-DD", help="when consent was given")
    build.add_argument("--language", default="en", metavar="en|zh",
                       help="with --video: the language of the guide's reading text the "
                       "person read (default: en)")
    build.add_argument("--text", type=Path, metavar="FILE",
                       help="with --video: the words the person actually read (UTF-8), for a "
                       "clip not recorded along the guide; default: the guide's reading text")
    add_models_arguments(build)
    build.set_defaults(func=run_build)
    show = sub.add_parser("show", help="check an avatar package and print its record")
    show.add_argument("folder", type=Path, metavar="DIR")
    show.set_defaults(func=run_show)
    guide = sub.add_parser(
        "guide", help="the capture guide for recording a video host",
        description="What to record, take by take, for a host cloned from a minute of video. "
        "Without --out, print the guide; --out guide.txt writes the printable card, "
        "--out guide.mp4 a teleprompter video to play beside the camera.",
    )
    guide.add_argument("--language", default="en", metavar="en|zh",
                       help="the language of the reading text (default: en)")
    guide.add_argument("--out", type=Path, metavar="FILE",
                       help="guide.txt (the card) or guide.mp4 (the teleprompter)")
    guide.set_defaults(func=run_guide)


def run_build(args: argparse.Namespace) -> int:
    from livehost.avatar import portrait
    from livehost.avatar.build import build_avatar

    progress = ProgressBar("avatar")
    try:
        if args.video:
            return _build_video(args, progress)
        if args.default:
            photo, record, consent = portrait.default_portrait_path(), portrait.RECORD, None
            name = args.name or portrait.DEFAULT_NAME
        else:
            photo, record, consent = args.photo, None, _consent(args)
            name = args.name or args.out.name
        build_avatar(photo, args.out, name=name, consent=consent, public_domain=record,
                     progress=progress)
    except (AvatarError, RuntimeError) as exc:
        progress.interrupt()
        print(f"livehost avatar build: {exc}", file=sys.stderr)
        return 1
    print(f"avatar {name} written to {args.out}")
    return 0


def _build_video(args: argparse.Namespace, progress: ProgressBar) -> int:
    from livehost.avatar.video.build import build_video_avatar, read_segments

    name = args.name or args.out.name
    takes = read_segments(args.segments) if args.segments else None
    text = _reading_text(args.text)
    consent = _consent(args)
    voice = _voice(args)
    report = build_video_avatar(
        args.video, args.out, name=name, consent=consent, takes=takes, progress=progress,
        voice=voice, text=text, language=args.language,
    )
    ratio = report.error_ratio
    print(f"avatar {name} written to {args.out} (report.yaml)")
    print(f"  {report.frames} frames, {report.usable_share:.0%} usable; idle loop "
          f"{report.idle_loop_seconds:.1f} s, seam {report.seam:.2f} (the clip's own step "
          f"{report.clip_median_step:.2f})")
    if ratio is not None:
        driver = ("the reading text's phonemes, as on air" if report.held_out_driver == "phonemes"
                  else "the clip's sound (no voice for the text's phonemes)")
        print(f"  held-out lip error {ratio:.2f} of a mouth that never moves, mouths chosen "
              f"for {driver} (lower is better; 0.6 or less is the aim)")
        if report.held_out_driver == "phonemes":
            print(f"  on air, mouths are compared by the {report.mouth_choice} (the person's "
                  "own map from the voice to their mouth, or a description of each mouth)")
    for warning in report.warnings:
        print(f"  warning: {warning}")
    return 0


def _reading_text(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise AvatarError(f"--text {path}: {exc}") from None
    if not text:
        raise AvatarError(f"--text {path}: the file is empty")
    return text


def _voice(args: argparse.Namespace) -> SpeechEngine | None:
    """The configured voice (or the default voice's pip package, as for a preview); None
    when none loads: the held-out check then uses the clip's sound."""
    from livehost.cli.modelsdir import device_config, models_dir
    from livehost.modelstore.errors import ModelError
    from livehost.preview.voice import open_voice
    from livehost.problems import ProblemsError

    try:
        loaded = device_config(args)
        if loaded is None:
            raise OSError("no device config to name one")
        return open_voice(loaded, models_dir(args, loaded))
    except (ProblemsError, ModelError, OSError) as exc:
        print(f"livehost avatar build: no voice ({exc}); the held-out check will use the "
              "clip's sound", file=sys.stderr)
        return None


def _consent(args: argparse.Namespace) -> Consent:
    missing = [flag for flag, value in (("--person", args.person),
                                        ("--consent-reference", args.consent_reference),
                                        ("--consent-date", args.consent_date)) if not value]
    if missing:
        raise AvatarError("a photo or clip of a real person needs a consent record; missing "
                          + ", ".join(missing))
    try:
        date = dt.date.fromisoformat(args.consent_date)
    except ValueError:
        raise AvatarError(f"--consent-date {args.consent_date!r}: write it as YYYY-MM-DD") from None
    return Consent(person=args.person, consent_reference=args.consent_reference, date=date)


def run_guide(args: argparse.Namespace) -> int:
    from livehost.avatar import guide

    try:
        if args.out is None:
            print(guide.card(args.language), end="")
            return 0
        guide.write(args.out, args.language)
    except (guide.GuideError, OSError) as exc:
        print(f"livehost avatar guide: {exc}", file=sys.stderr)
        return 1
    print(f"guide written to {args.out}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from livehost.avatar.kinds import avatar_kind

    if avatar_kind(args.folder) == "video":
        return _show_video(args.folder)
    try:
        avatar = load_avatar(args.folder)
    except AvatarError as exc:
        print(f"livehost avatar show: {exc}", file=sys.stderr)
        return 1
    m = avatar.manifest
    print(f"avatar:  {m.name}  ({m.image_size[0]}x{m.image_size[1]}, "
          f"{m.face.eye_distance:.0f} px between the eyes, yaw {m.face.yaw_degrees:+.0f} deg)")
    if m.consent:
        print(f"consent: {m.consent.person}, {m.consent.consent_reference}, {m.consent.date}")
    elif m.public_domain:
        pd = m.public_domain
        print(f"source:  {pd.title}; {pd.origin}; {pd.licence}"
              + ("; demo only" if pd.demo_only else ""))
    return 0


def _show_video(folder: Path) -> int:
    """A video package's record and its build report, checked as the engine loads it."""
    import yaml

    from livehost.avatar.video.package import CUES, load_video_avatar

    try:
        avatar = load_video_avatar(folder)
        m = avatar.manifest
        report = yaml.safe_load((folder / m.report).read_text())
    except (OSError, yaml.YAMLError) as exc:
        print(f"livehost avatar show: {folder / 'report.yaml'}: {exc}", file=sys.stderr)
        return 1
    except AvatarError as exc:
        print(f"livehost avatar show: {exc}", file=sys.stderr)
        return 1
    cues = avatar.cues
    print(f"avatar:  {m.name}  (video, {m.size[0]}x{m.size[1]} at {m.fps:g} fps, "
          f"{m.frame_count} frames from {m.source.file})")
    print(f"idle:    frames {m.idle.start}-{m.idle.end}"
          + (f", {m.idle.fade} cross-faded at the seam" if m.idle.fade else ""))
    print("takes:   " + ", ".join(f"{s.name} {s.start}-{s.end}" for s in m.segments))
    print("cues:    " + (", ".join(f"{cue} -> {take}" for cue, take in cues.items()) or "none")
          + f"  ({CUES})")
    if m.consent:
        print(f"consent: {m.consent.person}, {m.consent.consent_reference}, {m.consent.date}")
    for key in ("usable_share", "error_ratio", "missing_shapes", "warnings"):
        print(f"{key + ':':<15}{report.get(key)}")
    return 0
