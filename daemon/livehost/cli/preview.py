"""`livehost preview`: render a product's turn (voice, face, captions, card) to an MP4 file,
exactly as it would air, with the approved scripts."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from livehost.cli.common import add_config_argument, load_config_or_report, print_problems
from livehost.cli.progress import ProgressBar
from livehost.problems import ProblemsError

if TYPE_CHECKING:
    from livehost.config.device import LoadedConfig
    from livehost.schedule.model import Schedule
    from livehost.scripts.scriptset import ScriptSet

log = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "preview",
        help="render a product's turn to a video file to watch before going live",
        description="Render what the host would say about one product, with voice, face, "
        "captions and the approved script lines, to an MP4 file (H.264 + AAC), as fast as the "
        "machine allows. Nothing is streamed.",
    )
    parser.add_argument("--product", required=True, metavar="ID", help="product id in the schedule")
    parser.add_argument("--out", required=True, type=Path, metavar="FILE.mp4")
    parser.add_argument(
        "--for",
        dest="duration",
        default="90s",
        metavar="DURATION",
        help="how much of the show to render: 90s (default), 5m, 10m",
    )
    parser.add_argument(
        "--sheet", type=Path, metavar="FILE.png", help="also write a contact sheet of frames"
    )
    add_config_argument(parser)
    parser.add_argument(
        "--avatar",
        type=Path,
        metavar="DIR",
        help="avatar package (default: the config's, else the built-in demo)",
    )
    parser.add_argument(
        "--models",
        type=Path,
        metavar="DIR",
        help="models folder (default: paths.models from the config)",
    )
    parser.add_argument("--size", metavar="WxH", help="frame size (default: the config's video)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from livehost.avatar.kinds import load_any_avatar
    from livehost.avatar.locate import resolve_avatar_path
    from livehost.avatar.package import AvatarError
    from livehost.lipsync.registry import load_lipsync_engine
    from livehost.preview.render import render_preview
    from livehost.preview.voice import open_voice
    from livehost.render.compositor import Compositor
    from livehost.schedule.fields import parse_duration
    from livehost.schedule.load import load_schedule_file

    loaded = load_config_or_report(args.config)
    if loaded is None:
        return 2
    try:
        seconds = parse_duration(args.duration)
    except ValueError as exc:
        print(f"livehost preview: --for {args.duration!r}: {exc}", file=sys.stderr)
        return 2
    if seconds > 3600:
        print("livehost preview: --for takes at most 1h", file=sys.stderr)
        return 2
    try:
        schedule = load_schedule_file(loaded.schedule_path).schedule
    except ProblemsError as exc:
        print_problems(exc.problems)
        return 2
    product = next((p for p in schedule.products if p.id == args.product), None)
    if product is None:
        ids = ", ".join(p.id for p in schedule.products)
        print(
            f"livehost preview: no product {args.product!r} in {loaded.schedule_path} "
            f"(products: {ids})",
            file=sys.stderr,
        )
        return 2
    config = loaded.config
    width, height = config.video.width, config.video.height
    if args.size:
        try:
            width, height = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            print(
                f"livehost preview: --size {args.size!r}: write it as WIDTHxHEIGHT", file=sys.stderr
            )
            return 2
    models = args.models or loaded.resolve(config.paths.models)
    if width % 2 or height % 2:
        print("livehost preview: --size must be even in both directions", file=sys.stderr)
        return 2
    compositor = Compositor(width, height)
    try:
        avatar = load_any_avatar(resolve_avatar_path(loaded, models, args.avatar))
        face = load_lipsync_engine(
            config.engines,
            compositor.layout.host_width,
            height,
            config.video.fps,
            cache_dir=loaded.resolve(config.paths.cache),
            model_dir=models,
            kind=avatar.kind,
        )
        face.prepare(avatar)
        voice = open_voice(loaded, models)
    except (AvatarError, ValueError, OSError) as exc:
        print(f"livehost preview: {exc}", file=sys.stderr)
        return 1
    started = time.monotonic()
    bar = ProgressBar("preview")
    schedule_dir = loaded.schedule_path.parent
    result = render_preview(
        schedule,
        product.id,
        config.unit.zone,
        voice,
        face,
        compositor,
        args.out,
        args.sheet,
        image_path=lambda image: str(schedule_dir / image) if image else None,
        progress=bar,
        seconds=seconds,
        scripts=approved_scripts(loaded, schedule),
    )
    print(
        f"{result.path}: {result.duration:.1f} s, {result.frames} frames at "
        f"{width}x{height}/{config.video.fps} ({face.name} face, {result.utterances} lines) "
        f"in {time.monotonic() - started:.1f} s"
    )
    if args.sheet:
        print(f"contact sheet: {args.sheet}")
    return 0


def approved_scripts(loaded: LoadedConfig, schedule: Schedule) -> ScriptSet:
    """The scripts folder as the unit would air it (a preview keeps no last good copies)."""
    import tempfile

    from livehost.scripts.store import ScriptStore, scripts_folder

    folder = scripts_folder(loaded.schedule_path, loaded.config.scripts.folder)
    with tempfile.TemporaryDirectory() as state:
        store = ScriptStore(folder, Path(state), schedule)
        scripts = store.start()
    for problem in store.last_problems[:5]:
        print(f"livehost preview: script refused: {problem}", file=sys.stderr)
    return scripts
