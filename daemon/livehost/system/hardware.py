"""What this box is and what it can do, probed once at start and sent with telemetry.

    hw = probe()                          # once at start; probe(Path("/tmp/fake")) in tests
    refresh(hw)                           # each telemetry tick: GPU load, thermal, power
    hw.to_json()                          # for telemetry and `livehost hardware --json`
    choose_encoder(hw, config.engines.encoder)

Every reading is optional: an x86 development machine simply has no Jetson model, no
L4T release and no NVENC. Files are read under `root` so tests can point the probe at
fake /proc, /sys, /dev and /etc trees; the things that are not files (GStreamer's
element registry, Python modules) come through two small callables.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from livehost.system.ortlibs import provider_load_errors

NVENC_ELEMENT = "nvv4l2h264enc"
# JetPack 5 exposes NVENC as /dev/nvhost-msenc; JetPack 6 adds the V4L2 node.
ENCODER_NODES = ("dev/nvhost-msenc", "dev/v4l2-nvenc")
# The GStreamer plugin is installed on these too, but the silicon has no NVENC.
MODELS_WITHOUT_NVENC = ("orin nano",)
GPU_LOAD_FILES = ("sys/devices/gpu.0/load", "sys/devices/platform/gpu.0/load")
GPU_DEVFREQ = re.compile(r"gpu|ga10b|gv11b|gp10b")


@dataclass
class ThermalZone:
    name: str
    celsius: float


@dataclass
class PowerRail:
    name: str
    volts: float | None
    amps: float
    watts: float | None


@dataclass
class HardwareProbe:
    machine: str
    cpu_count: int
    memory_mb: int | None = None
    model: str | None = None
    jetson: bool = False
    l4t_version: str | None = None
    encoder_device: str | None = None
    gstreamer_nvenc: bool = False
    gstreamer_launch: bool = False  # gst-launch-1.0 runs our pipeline (stream/gstreamer.py)
    onnxruntime_version: str | None = None
    onnxruntime_providers: list[str] = field(default_factory=list)
    tensorrt_version: str | None = None
    gpu_load_percent: float | None = None
    gpu_mhz: float | None = None
    thermal: list[ThermalZone] = field(default_factory=list)
    power: list[PowerRail] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def hardware_encoder(self) -> bool:
        """NVENC usable through GStreamer: the device, the element, and silicon that has it."""
        if self.model and any(m in self.model.lower() for m in MODELS_WITHOUT_NVENC):
            return False
        return self.encoder_device is not None and self.gstreamer_nvenc

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"hardware_encoder": self.hardware_encoder}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)


@dataclass(frozen=True)
class EncoderChoice:
    engine: str  # "gstreamer" or "pyav", as in config engines.encoder
    codec: str  # the GStreamer element or the libav codec
    reason: str


def choose_encoder(hw: HardwareProbe, configured: str = "auto") -> EncoderChoice:
    """The encoder to use: config decides when it names one, the probe when it says auto."""
    if configured == "pyav":
        return EncoderChoice("pyav", "libx264", "set in config")
    if configured == "gstreamer":
        if not hw.gstreamer_launch:
            return EncoderChoice("pyav", "libx264", "set to gstreamer, but GStreamer "
                                 "(gst-launch-1.0) is missing; software x264 through PyAV")
        if hw.hardware_encoder:
            return EncoderChoice("gstreamer", NVENC_ELEMENT, "set in config; NVENC present")
        return EncoderChoice("gstreamer", "x264enc", "set in config; no NVENC, software x264")
    if configured != "auto":
        raise ValueError(f"unknown encoder setting {configured!r}")
    if hw.hardware_encoder and hw.gstreamer_launch:
        return EncoderChoice("gstreamer", NVENC_ELEMENT, f"auto: NVENC at /{hw.encoder_device}")
    if hw.hardware_encoder:
        why = "NVENC present but GStreamer (gst-launch-1.0) is missing"
    else:
        why = "no NVENC on this model" if hw.jetson else "no Jetson NVENC here"
    return EncoderChoice("pyav", "libx264", f"auto: {why}")


def gst_has_element(name: str) -> bool:
    tool = shutil.which("gst-inspect-1.0")
    if tool is None:
        return False
    try:
        result = subprocess.run(
            [tool, "--exists", name], capture_output=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def import_optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except Exception:  # a broken GPU build raises more than ImportError
        return None


def _read(root: Path, rel: str) -> str | None:
    try:
        return (root / rel).read_text(encoding="utf-8", errors="replace").strip("\0\n ")
    except OSError:
        return None


def _number(root: Path, rel: str) -> float | None:
    text = _read(root, rel)
    try:
        return float(text) if text else None
    except ValueError:
        return None


def read_model(root: Path) -> str | None:
    for rel in ("proc/device-tree/model", "sys/firmware/devicetree/base/model",
                "sys/class/dmi/id/product_name"):
        text = _read(root, rel)
        if text:
            return text.replace("\0", "").strip()
    return None


def read_l4t_version(root: Path) -> str | None:
    # "# R36 (release), REVISION: 3.0, GCID: ..., BOARD: generic, EABI: aarch64, ..."
    text = _read(root, "etc/nv_tegra_release")
    match = re.search(r"R(\d+)\s*\(release\),\s*REVISION:\s*([\d.]+)", text or "")
    return f"{match.group(1)}.{match.group(2)}" if match else None


def read_cpu_count(root: Path) -> int:
    online = _read(root, "sys/devices/system/cpu/online")  # e.g. "0-5" or "0,2-3"
    if online:
        count = 0
        for part in online.split(","):
            lo, _, hi = part.partition("-")
            count += int(hi or lo) - int(lo) + 1
        return count
    return os.cpu_count() or 1


def read_memory_mb(root: Path) -> int | None:
    match = re.search(r"^MemTotal:\s+(\d+) kB", _read(root, "proc/meminfo") or "", re.M)
    return int(match.group(1)) // 1024 if match else None


def read_gpu(root: Path) -> tuple[float | None, float | None]:
    """GPU load in percent (the sysfs file counts per mille) and clock in MHz."""
    load = next((v for rel in GPU_LOAD_FILES if (v := _number(root, rel)) is not None), None)
    mhz = None
    for dev in sorted((root / "sys/class/devfreq").glob("*")):
        if not GPU_DEVFREQ.search(dev.name):
            continue
        if load is None:
            load = _number(root, str((dev / "device/load").relative_to(root)))
        freq = _number(root, str((dev / "cur_freq").relative_to(root)))
        mhz = freq / 1e6 if freq is not None else None
        break
    return (load / 10 if load is not None else None), mhz


def _zone_number(path: Path) -> int:
    digits = re.sub(r"\D", "", path.name)
    return int(digits) if digits else 0


def read_thermal(root: Path) -> list[ThermalZone]:
    zones = []
    for zone in sorted((root / "sys/class/thermal").glob("thermal_zone*"), key=_zone_number):
        name = _read(root, str((zone / "type").relative_to(root)))
        millideg = _number(root, str((zone / "temp").relative_to(root)))
        # Some zones report -256 °C or fail with EIO when their sensor is off.
        if name and millideg is not None and millideg > -100_000:
            zones.append(ThermalZone(name, round(millideg / 1000, 1)))
    return zones


def read_power(root: Path) -> list[PowerRail]:
    rails = []
    for hwmon in sorted((root / "sys/class/hwmon").glob("hwmon*"), key=_zone_number):
        if _read(root, str((hwmon / "name").relative_to(root))) != "ina3221":
            continue
        for label_file in sorted(hwmon.glob("in*_label")):
            channel = label_file.name[2:-len("_label")]
            label = label_file.read_text(errors="replace").strip()
            rel = str(hwmon.relative_to(root))
            milliamps = _number(root, f"{rel}/curr{channel}_input")
            millivolts = _number(root, f"{rel}/in{channel}_input")
            if milliamps is None:
                continue  # e.g. the "sum of shunt voltages" channel: no current of its own
            volts = millivolts / 1000 if millivolts is not None else None
            amps = milliamps / 1000
            watts = round(volts * amps, 3) if volts is not None else None
            rails.append(PowerRail(label, volts, amps, watts))
    return rails


def read_tensorrt_version(root: Path, import_module: Callable[[str], ModuleType | None]) -> (
    str | None
):
    module = import_module("tensorrt")
    if module is not None and getattr(module, "__version__", None):
        return str(module.__version__)
    # The venv may not see the system's python3-libnvinfer; the library says it too.
    versions = []
    for lib in root.glob("usr/lib/*-linux-gnu/libnvinfer.so.*"):
        match = re.fullmatch(r"libnvinfer\.so\.(\d+(?:\.\d+)+)", lib.name)
        if match:
            versions.append(tuple(int(x) for x in match.group(1).split(".")))
    return ".".join(map(str, max(versions))) if versions else None


def read_onnxruntime(
    import_module: Callable[[str], ModuleType | None], notes: list[str]
) -> tuple[str | None, list[str]]:
    ort = import_module("onnxruntime")
    if ort is None:
        return None, []
    try:
        providers = list(ort.get_available_providers())
    except Exception as exc:
        notes.append(f"onnxruntime cannot list providers: {exc}")
        providers = []
    # a compiled-in provider whose libraries are missing is listed but cannot run
    for name, why in provider_load_errors(ort).items():
        if name in providers:
            providers.remove(name)
            notes.append(f"{name} is built into onnxruntime but cannot load here ({why})")
    installed = set()
    for dist in ("onnxruntime", "onnxruntime-gpu"):
        try:
            importlib.metadata.version(dist)
            installed.add(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    if len(installed) == 2:
        notes.append("both onnxruntime and onnxruntime-gpu are installed; one shadows the "
                     "other (remove the CPU one, see image/README.md)")
    return str(getattr(ort, "__version__", "")) or None, providers


def refresh(hw: HardwareProbe, root: Path | str = "/") -> HardwareProbe:
    """Re-read only what changes (GPU load, temperatures, power): cheap enough for every
    telemetry tick, unlike the full probe (a subprocess and onnxruntime's import)."""
    root = Path(root)
    hw.gpu_load_percent, hw.gpu_mhz = read_gpu(root)
    hw.thermal = read_thermal(root)
    hw.power = read_power(root)
    return hw


def probe(
    root: Path | str = "/",
    *,
    gst_element: Callable[[str], bool] = gst_has_element,
    import_module: Callable[[str], ModuleType | None] = import_optional,
    machine: str | None = None,
) -> HardwareProbe:
    root = Path(root)
    model = read_model(root)
    l4t = read_l4t_version(root)
    hw = HardwareProbe(
        machine=machine or platform.machine(),
        cpu_count=read_cpu_count(root),
        memory_mb=read_memory_mb(root),
        model=model,
        jetson=bool(l4t) or "jetson" in (model or "").lower(),
        l4t_version=l4t,
    )
    hw.encoder_device = next((n for n in ENCODER_NODES if (root / n).exists()), None)
    hw.gstreamer_nvenc = gst_element(NVENC_ELEMENT)
    # fdsrc is a core element: present wherever gst-launch-1.0 and gst-inspect-1.0 are
    hw.gstreamer_launch = gst_element("fdsrc")
    hw.onnxruntime_version, hw.onnxruntime_providers = read_onnxruntime(import_module, hw.notes)
    hw.tensorrt_version = read_tensorrt_version(root, import_module)
    refresh(hw, root)
    if hw.jetson and hw.onnxruntime_providers and (
        "CUDAExecutionProvider" not in hw.onnxruntime_providers
    ):
        hw.notes.append("Jetson without a CUDA onnxruntime: inference runs on the CPU")
    if hw.encoder_device and not hw.gstreamer_nvenc:
        hw.notes.append(f"/{hw.encoder_device} exists but GStreamer has no {NVENC_ELEMENT}")
    return hw
