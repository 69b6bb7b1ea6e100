"""`livehost avatar build|show`: make an avatar package from one photo, or inspect one."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from livehost.avatar.manifest import Consent
from livehost.avatar.package import AvatarError, load_avatar
from livehost.cli.progress import ProgressBar


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "avatar", help="build or inspect the host's face (avatar package)",
        description="Avatar packages hold a portrait, its face landmarks and a consent record.",
    )
    sub = parser.add_subparsers(dest="avatar_command", metavar="ACTION", required=True)
    build = sub.add_parser(
        "build", help="build an avatar package from one photo",
        description="Find the face in a photo (one person, facing the camera, lips closed) "
        "and write an avatar package. A real person needs a consent record: --person, "
        "--consent-reference and --consent-date. --default builds the bundled public-domain "
        "demo portrait instead of --photo.",
    )
    source = build.add_mutually_exclusive_group(required=True)
    source.add_argument("--photo", type=Path, metavar="FILE", help="the portrait (JPEG or PNG)")
    source.add_argument("--default", action="store_true",
                        help="the bundled public-domain demo portrait (Grace Hopper)")
    build.add_argument("--out", type=Path, required=True, metavar="DIR", help="package folder")
    build.add_argument("--name", help="avatar name (default: the folder's name)")
    build.add_argument("--person", help="who is depicted")
    build.add_argument("--consent-reference", metavar="REF",
                       help="where the signed consent is kept (document id, file, ...)")
    build.add_argument("--consent-date", metavar="YYYY-MM-DD", help="when consent was given")
    build.set_defaults(func=run_build)
    show = sub.add_parser("show", help="check an avatar package and print its record")
    show.add_argument("folder", type=Path, metavar="DIR")
    show.set_defaults(func=run_show)


def run_build(args: argparse.Namespace) -> int:
    from livehost.avatar import portrait
    from livehost.avatar.build import build_avatar

    progress = ProgressBar("avatar")
    try:
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


def _consent(args: argparse.Namespace) -> Consent:
    missing = [flag for flag, value in (("--person", args.person),
                                        ("--consent-reference", args.consent_reference),
                                        ("--consent-date", args.consent_date)) if not value]
    if missing:
        raise AvatarError("a photo of a real person needs a consent record; missing "
                          + ", ".join(missing))
    try:
        date = dt.date.fromisoformat(args.consent_date)
    except ValueError:
        raise AvatarError(f"--consent-date {args.consent_date!r}: write it as YYYY-MM-DD") from None
    return Consent(person=args.person, consent_reference=args.consent_reference, date=date)


def run_show(args: argparse.Namespace) -> int:
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
