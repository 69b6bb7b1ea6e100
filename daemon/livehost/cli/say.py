"""`livehost say "TEXT" --out FILE.wav`: hear how the host will say a line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from livehost.cli.modelsdir import add_models_arguments, device_config, models_dir
from livehost.config.engines import EnginesConfig, VoiceConfig
from livehost.modelstore.errors import ModelError
from livehost.problems import ProblemsError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "say", help="synthesise one line to a WAV file",
        description="Speak TEXT with the configured voice (after the same text normalisation "
        "the show uses) and write it to a WAV file.",
    )
    parser.add_argument("text", metavar="TEXT", help='what to say, e.g. "Only $19.99 today!"')
    parser.add_argument("--out", metavar="FILE.wav", required=True, type=Path)
    parser.add_argument("--voice", metavar="ID", help="voice id from the models manifest")
    parser.add_argument("--show-text", action="store_true",
                        help="print each sentence as it will be spoken")
    add_models_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from livehost.speech.load import load_speech_engine
    from livehost.speech.wav import write_wav

    try:
        loaded = device_config(args)
    except ProblemsError as exc:
        print(exc, file=sys.stderr)
        return 2
    voice = loaded.config.voice if loaded else VoiceConfig()
    engines = loaded.config.engines if loaded else EnginesConfig()
    if args.voice:
        voice = voice.model_copy(update={"id": args.voice})
    try:
        engine = load_speech_engine(voice, engines, models_dir(args, loaded))
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    chunks = list(engine.synthesize(args.text))
    if args.show_text:
        for chunk in chunks:
            print(chunk.metadata.get("spoken", chunk.text))
    if not chunks:
        print("error: nothing to say in that text", file=sys.stderr)
        return 1
    seconds = write_wav(args.out, chunks, engine.sample_rate)
    print(f"{args.out}: {seconds:.2f} s, {len(chunks)} sentence(s)", file=sys.stderr)
    return 0
