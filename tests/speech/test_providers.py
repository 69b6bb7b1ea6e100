"""Inference providers: the configured order, what exists, one log line for what does not."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from tests.gpu_ort import compile_library, fake_gpu_onnxruntime

from livehost import inference
from livehost.inference import pick_providers, provider_names
from livehost.system.ortlibs import provider_load_errors

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
TRT = "TensorrtExecutionProvider"


def test_cpu_only_machine_falls_back_with_one_log_line(caplog) -> None:
    with caplog.at_level(logging.INFO, logger="livehost.inference"):
        chosen = pick_providers(["tensorrt", "cuda", "cpu"], available=[CPU])
    assert chosen == [CPU]
    assert len(caplog.records) == 1
    assert "tensorrt, cuda" in caplog.records[0].getMessage()


def test_jetson_keeps_the_configured_order_and_the_cpu_last(tmp_path) -> None:
    chosen = pick_providers(["tensorrt", "cuda"], available=[TRT, CUDA, CPU], cache_dir=tmp_path)
    assert provider_names(chosen) == [TRT, CUDA, CPU]
    assert chosen[0][1]["trt_engine_cache_path"] == str(tmp_path)


def test_order_is_the_configs_not_onnxruntimes(caplog) -> None:
    with caplog.at_level(logging.INFO, logger="livehost.inference"):
        chosen = pick_providers(["cpu", "cuda"], available=[TRT, CUDA, CPU])
    assert provider_names(chosen) == [CPU, CUDA]
    assert caplog.records == []


def test_a_listed_provider_whose_library_cannot_load_is_skipped(tmp_path, monkeypatch,
                                                                caplog) -> None:
    ort = fake_gpu_onnxruntime(tmp_path, loadable={"cuda"})
    assert list(provider_load_errors(ort)) == [TRT]
    monkeypatch.setattr(inference, "onnxruntime", ort)
    with caplog.at_level(logging.INFO, logger="livehost.inference"):
        chosen = pick_providers(["tensorrt", "cuda", "cpu"], cache_dir=tmp_path / "engines")
    assert provider_names(chosen) == [CUDA, CPU]
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith(f"{TRT} is built into onnxruntime but cannot load") for m in messages)
    assert not (tmp_path / "engines").exists()  # no TensorRT cache made for nothing


def test_provider_libraries_that_load_are_kept(tmp_path) -> None:
    ort = fake_gpu_onnxruntime(tmp_path, loadable={"cuda", "tensorrt"})
    assert provider_load_errors(ort) == {}
    cpu_only = SimpleNamespace(__file__=str(tmp_path / "x" / "__init__.py"),
                               get_available_providers=lambda: [CPU])
    assert provider_load_errors(cpu_only) == {}


def test_the_voice_follows_the_engines_providers_unless_it_has_its_own(models_dir, caplog,
                                                                        monkeypatch) -> None:
    from livehost.config.engines import EnginesConfig, VoiceConfig
    from livehost.speech.load import load_speech_engine

    # a CPU-only onnxruntime, whatever this machine has, so the log lines are known
    monkeypatch.setattr(inference, "onnxruntime",
                        SimpleNamespace(get_available_providers=lambda: [CPU]))

    engines = EnginesConfig(providers=["tensorrt", "cuda", "cpu"])
    with caplog.at_level(logging.INFO, logger="livehost.inference"):
        load_speech_engine(VoiceConfig(), engines, models_dir)
    assert "tensorrt, cuda" in caplog.text  # asked for the GPU, as the engines say
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="livehost.inference"):
        load_speech_engine(VoiceConfig(providers=["cpu"]), engines, models_dir)
    assert caplog.records == []  # its own list: only the CPU was asked for


def test_a_library_this_process_already_loaded_counts_as_found(tmp_path) -> None:
    import ctypes

    # a name of its own: once loaded, it stays in this process for the other tests too
    soname = "libnvinfer_preloaded.so"
    ort = fake_gpu_onnxruntime(tmp_path / "site", loadable={"cuda"}, missing=soname)
    assert provider_load_errors(ort) == {TRT: f"{soname} not found"}
    # as onnxruntime.preload_dlls() or torch's CUDA wheels would: the library is in
    # this process already, so the provider library will find it when onnxruntime loads it
    (tmp_path / "elsewhere").mkdir()
    ctypes.CDLL(str(compile_library(tmp_path / "elsewhere" / soname)))
    assert provider_load_errors(ort) == {}
