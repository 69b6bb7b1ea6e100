"""The hardware probe against fake /proc, /sys, /dev and /etc trees."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from tests.gpu_ort import fake_gpu_onnxruntime

from livehost.cli.main import main
from livehost.system.hardware import choose_encoder, probe, refresh

TEGRA_R36 = "# R36 (release), REVISION: 3.0, GCID: 36191598, BOARD: generic, EABI: aarch64\n"


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def jetson_common(root: Path, model: str) -> None:
    write(root, "proc/device-tree/model", model + "\0")
    write(root, "etc/nv_tegra_release", TEGRA_R36)
    write(root, "sys/devices/system/cpu/online", "0-5\n")
    write(root, "proc/meminfo", "MemTotal:        7620400 kB\nMemFree: 1 kB\n")
    for i, (name, temp) in enumerate([("cpu-thermal", "45250"), ("gpu-thermal", "44062"),
                                      ("tj-thermal", "-256000")]):
        write(root, f"sys/class/thermal/thermal_zone{i}/type", name + "\n")
        write(root, f"sys/class/thermal/thermal_zone{i}/temp", temp + "\n")
    hwmon = "sys/class/hwmon/hwmon1"
    write(root, f"{hwmon}/name", "ina3221\n")
    for ch, label, mv, ma in [(1, "VDD_IN", "5016", "1204"), (2, "VDD_CPU_GPU_CV", "4992", "312")]:
        write(root, f"{hwmon}/in{ch}_label", label + "\n")
        write(root, f"{hwmon}/in{ch}_input", mv + "\n")
        write(root, f"{hwmon}/curr{ch}_input", ma + "\n")
    write(root, f"{hwmon}/in7_label", "sum of shunt voltages\n")
    write(root, f"{hwmon}/in7_input", "12\n")
    write(root, "sys/class/hwmon/hwmon0/name", "pwmfan\n")


def orin_nano(root: Path) -> None:
    jetson_common(root, "NVIDIA Jetson Orin Nano Engineering Reference Developer Kit Super")
    write(root, "sys/class/devfreq/17000000.ga10b/device/load", "875\n")
    write(root, "sys/class/devfreq/17000000.ga10b/cur_freq", "1020000000\n")


def orin_nx(root: Path) -> None:
    jetson_common(root, "NVIDIA Jetson Orin NX Engineering Reference Developer Kit")
    write(root, "dev/nvhost-msenc", "")
    write(root, "sys/devices/gpu.0/load", "123\n")
    write(root, "usr/lib/aarch64-linux-gnu/libnvinfer.so.8.6.2", "")
    write(root, "usr/lib/aarch64-linux-gnu/libnvinfer.so.8", "")


def x86(root: Path) -> None:
    write(root, "sys/class/dmi/id/product_name", "Standard PC (Q35 + ICH9, 2009)\n")
    write(root, "sys/devices/system/cpu/online", "0-3\n")
    write(root, "sys/class/thermal/thermal_zone0/type", "x86_pkg_temp\n")
    write(root, "sys/class/thermal/thermal_zone0/temp", "52000\n")


def fake_ort(*providers: str):
    return SimpleNamespace(__version__="1.18.0", get_available_providers=lambda: list(providers))


def modules(**found):
    return lambda name: found.get(name)


GPU_ORT = fake_ort("TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider")


def test_orin_nano_has_no_encoder_even_with_the_plugin_installed(tmp_path):
    orin_nano(tmp_path)
    hw = probe(tmp_path, gst_element=lambda name: True,
               import_module=modules(onnxruntime=GPU_ORT), machine="aarch64")
    assert hw.jetson and hw.model.startswith("NVIDIA Jetson Orin Nano")
    assert hw.l4t_version == "36.3.0"
    assert hw.encoder_device is None and not hw.hardware_encoder
    assert choose_encoder(hw) == choose_encoder(hw, "auto")
    assert (choose_encoder(hw).engine, choose_encoder(hw).codec) == ("pyav", "libx264")
    assert hw.gpu_load_percent == 87.5 and hw.gpu_mhz == 1020.0
    assert [(z.name, z.celsius) for z in hw.thermal] == [("cpu-thermal", 45.2),
                                                         ("gpu-thermal", 44.1)]
    assert [(r.name, r.volts, r.amps, r.watts) for r in hw.power] == [
        ("VDD_IN", 5.016, 1.204, 6.039), ("VDD_CPU_GPU_CV", 4.992, 0.312, 1.558)]
    assert (hw.cpu_count, hw.memory_mb) == (6, 7441)
    assert hw.notes == []


def test_orin_nx_streams_through_nvenc(tmp_path):
    orin_nx(tmp_path)
    hw = probe(tmp_path, gst_element=lambda name: name in ("nvv4l2h264enc", "fdsrc"),
               import_module=modules(onnxruntime=GPU_ORT), machine="aarch64")
    assert hw.hardware_encoder and hw.encoder_device == "dev/nvhost-msenc"
    choice = choose_encoder(hw, "auto")
    assert (choice.engine, choice.codec) == ("gstreamer", "nvv4l2h264enc")
    assert choose_encoder(hw, "pyav").codec == "libx264"  # config wins over the probe
    assert hw.tensorrt_version == "8.6.2"  # from libnvinfer when the module is not importable
    assert hw.onnxruntime_providers[0] == "TensorrtExecutionProvider"
    assert hw.gpu_load_percent == 12.3


def test_orin_nx_encoder_node_without_the_gstreamer_plugin(tmp_path):
    orin_nx(tmp_path)
    hw = probe(tmp_path, gst_element=lambda name: name == "fdsrc",  # GStreamer, no NVENC plugin
               import_module=modules(onnxruntime=fake_ort("CPUExecutionProvider")))
    assert not hw.hardware_encoder
    assert choose_encoder(hw, "gstreamer").codec == "x264enc"
    assert hw.notes == [
        "Jetson without a CUDA onnxruntime: inference runs on the CPU",
        "/dev/nvhost-msenc exists but GStreamer has no nvv4l2h264enc",
    ]


def test_orin_nx_without_gst_launch_falls_back_to_pyav(tmp_path):
    orin_nx(tmp_path)
    hw = probe(tmp_path, gst_element=lambda name: name == "nvv4l2h264enc",
               import_module=modules())
    assert hw.hardware_encoder and not hw.gstreamer_launch
    choice = choose_encoder(hw)
    assert (choice.engine, choice.reason) == (
        "pyav", "auto: NVENC present but GStreamer (gst-launch-1.0) is missing")
    assert choose_encoder(hw, "gstreamer").engine == "pyav"


def test_refresh_rereads_only_the_live_values(tmp_path):
    orin_nx(tmp_path)
    hw = probe(tmp_path, gst_element=lambda name: True, import_module=modules())
    write(tmp_path, "sys/devices/gpu.0/load", "990\n")
    write(tmp_path, "sys/class/thermal/thermal_zone1/temp", "71500\n")
    write(tmp_path, "proc/device-tree/model", "changed\0")
    refresh(hw, tmp_path)
    assert hw.gpu_load_percent == 99.0
    assert hw.thermal[1].celsius == 71.5
    assert hw.model.startswith("NVIDIA Jetson Orin NX")  # static facts stay as probed


def test_tensorrt_module_version_wins(tmp_path):
    orin_nx(tmp_path)
    trt = SimpleNamespace(__version__="10.3.0.30")
    hw = probe(tmp_path, gst_element=lambda n: False, import_module=modules(tensorrt=trt))
    assert hw.tensorrt_version == "10.3.0.30"


def test_x86_reports_what_it_has(tmp_path):
    x86(tmp_path)
    hw = probe(tmp_path, gst_element=lambda n: False,
               import_module=modules(onnxruntime=fake_ort("CPUExecutionProvider")),
               machine="x86_64")
    assert not hw.jetson and hw.l4t_version is None
    assert hw.model == "Standard PC (Q35 + ICH9, 2009)"
    assert (hw.cpu_count, hw.gpu_load_percent, hw.tensorrt_version) == (4, None, None)
    assert choose_encoder(hw).reason == "auto: no Jetson NVENC here"
    data = json.loads(hw.to_json())
    assert data["thermal"] == [{"name": "x86_pkg_temp", "celsius": 52.0}]
    assert data["hardware_encoder"] is False and data["onnxruntime_version"] == "1.18.0"


def test_empty_root_does_not_raise(tmp_path):
    hw = probe(tmp_path, gst_element=lambda n: False, import_module=modules())
    assert hw.model is None and hw.thermal == [] and hw.power == [] and hw.cpu_count >= 1


def test_unknown_encoder_setting_is_refused(tmp_path):
    hw = probe(tmp_path, gst_element=lambda n: False, import_module=modules())
    with pytest.raises(ValueError, match="unknown encoder"):
        choose_encoder(hw, "nvenc")


def test_cli_json_and_table(tmp_path, capsys):
    orin_nano(tmp_path)
    assert main(["hardware", "--json", "--root", str(tmp_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["l4t_version"] == "36.3.0" and data["encoder"]["engine"] == "pyav"
    assert data["power"][0] == {"name": "VDD_IN", "volts": 5.016, "amps": 1.204, "watts": 6.039}
    assert main(["hardware", "--root", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert re.search(r"^L4T +36\.3\.0$", table, re.M)
    assert "power VDD_IN" in table and "6.04 W" in table
    assert "cpu-thermal 45.2 °C" in table


def test_a_gpu_provider_that_cannot_load_is_not_reported_usable(tmp_path):
    x86(tmp_path)
    ort = fake_gpu_onnxruntime(tmp_path / "site", loadable={"cuda"})
    hw = probe(tmp_path, gst_element=lambda n: False, import_module=modules(onnxruntime=ort))
    assert hw.onnxruntime_providers == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert len(hw.notes) == 1
    assert hw.notes[0].startswith("TensorrtExecutionProvider is built into onnxruntime but "
                                  "cannot load here (")
