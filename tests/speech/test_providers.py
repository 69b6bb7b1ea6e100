"""Inference providers: the configured order, what exists, one log line for what does not."""

from __future__ import annotations

import logging

from livehost.inference import pick_providers, provider_names

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
