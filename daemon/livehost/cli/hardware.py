"""`livehost hardware`: what the hardware probe sees, as a table or JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from livehost.system.hardware import HardwareProbe, choose_encoder, probe


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "hardware", help="show the Jetson model, encoder, inference providers, temperatures",
        description="Probe the hardware the way the daemon does at start. Exit status 0.",
    )
    parser.add_argument("--json", action="store_true", help="print the probe as JSON")
    parser.add_argument(
        "--encoder", choices=["auto", "pyav", "gstreamer"], default="auto",
        help="the engines.encoder setting to resolve (default: auto)",
    )
    parser.add_argument("--root", type=Path, default=Path("/"), help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def table(hw: HardwareProbe, encoder: str) -> list[tuple[str, str]]:
    choice = choose_encoder(hw, encoder)
    ort = "not installed"
    if hw.onnxruntime_version:
        short = [p.removesuffix("ExecutionProvider") for p in hw.onnxruntime_providers]
        ort = f"{hw.onnxruntime_version} ({', '.join(short) or 'no providers'})"
    gpu = "-"
    if hw.gpu_load_percent is not None:
        gpu = f"{hw.gpu_load_percent:.1f}% busy"
        if hw.gpu_mhz is not None:
            gpu += f" at {hw.gpu_mhz:.0f} MHz"
    memory = f", {hw.memory_mb} MB" if hw.memory_mb else ""
    rows = [
        ("model", hw.model or "-"),
        ("L4T", hw.l4t_version or "- (not a Jetson)"),
        ("machine", f"{hw.machine}, {hw.cpu_count} CPUs{memory}"),
        ("NVENC", f"/{hw.encoder_device}" if hw.encoder_device else "none"),
        ("GStreamer", ", ".join([
            "nvv4l2h264enc" if hw.gstreamer_nvenc else "no nvv4l2h264enc",
            "gst-launch-1.0" if hw.gstreamer_launch else "no gst-launch-1.0"])),
        ("encoder", f"{choice.engine} {choice.codec} ({choice.reason})"),
        ("onnxruntime", ort),
        ("TensorRT", hw.tensorrt_version or "-"),
        ("GPU", gpu),
        ("thermal", ", ".join(f"{z.name} {z.celsius:.1f} °C" for z in hw.thermal) or "-"),
    ]
    for rail in hw.power:
        parts = [f"{rail.volts:.2f} V" if rail.volts is not None else "",
                 f"{rail.amps:.3f} A",
                 f"{rail.watts:.2f} W" if rail.watts is not None else ""]
        rows.append((f"power {rail.name}", " ".join(p for p in parts if p)))
    rows += [("note", note) for note in hw.notes]
    return rows


def run(args: argparse.Namespace) -> int:
    hw = probe(args.root)
    if args.json:
        choice = choose_encoder(hw, args.encoder)
        data = hw.to_dict() | {"encoder": {"engine": choice.engine, "codec": choice.codec,
                                           "reason": choice.reason}}
        print(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
        return 0
    rows = table(hw, args.encoder)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0
