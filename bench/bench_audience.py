"""Audience benchmark on air at 720p30 (issue targets in brackets):

- comment arrival to the answer's first sample at the muxer, p50/p95, over questions
  asked one at a time on a real `livehost run` (real mosquitto, real nginx-rtmp), as the
  unit reports it in each `answered` event's latency_ms (p95 <= 0.8 s)
- matching cost per comment, in-process: moderation + the matcher (keywords, price,
  embeddings) over the labelled comments
- CPU share of the daemon's process tree with 10 comments a second, against the same
  unit on air with no comments, measured in one run

LIVEHOST_BENCH_QUESTIONS sets how many questions (default 200, as the issue asks).
Anchors: OpenAvatarChat reports 2.2 s on an RTX 4090 from the end of speech; LiveTalking
users report 4-10 s.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import psutil
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.audience.test_audience_on_air import BASE, Audience, fate  # noqa: E402
from tests.fleet.conftest import Recorder, wait_until  # noqa: E402
from tests.onair.daemon_helpers import start_daemon, stop_daemon, write_setup  # noqa: E402

from bench.bench_onair import tree_cpu  # noqa: E402
from livehost.audience.matching import Matcher  # noqa: E402
from livehost.audience.moderation import Moderator  # noqa: E402
from livehost.devservers import mosquitto, nginx_rtmp  # noqa: E402
from livehost.schedule.load import load_schedule_file  # noqa: E402

WIDTH, HEIGHT, FPS = 1280, 720, 30
SAMPLE = REPO / "etc" / "livehost" / "schedule.yaml"
LABELLED = REPO / "tests" / "audience" / "labelled_comments.yaml"
# questions about the kettle (on air all day in the bench's schedule), each answerable
QUESTIONS = [
    "Is the lid removable?",
    "how quickly do orders arrive?",
    "does it have a warranty?",
    "how much is the kettle?",
    "how fast does it boil?",
    "does it keep the water warm?",
    "When is the shop open?",
    "can I return it?",
]


def matching_cost() -> dict:
    schedule = load_schedule_file(SAMPLE).schedule
    matcher = Matcher(schedule)
    matcher.prepare()
    moderator = Moderator()
    cases = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
    sample = next(s for s in cases["sets"] if s["schedule"].endswith("etc/livehost/schedule.yaml"))
    comments = [{"product": on_air, "text": text} for on_air, text, _ in sample["comments"]]
    now = datetime(2026, 11, 27, 15, 0)
    for c in comments[:20]:  # warm-up: the model's first queries
        matcher.match(c["text"], c.get("product"), now)
    started = time.perf_counter()
    for c in comments:
        if moderator.text(c["text"]).ok:
            matcher.match(c["text"], c.get("product"), now)
    per = (time.perf_counter() - started) / len(comments)
    return {"comments": len(comments), "ms_per_comment": round(per * 1000, 2)}


def _kettle_schedule(folder: Path) -> None:
    """The sample schedule with the kettle on air all day (its FAQ, features, price)."""
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    data["slots"] = [
        {"name": "All day", "days": "daily", "start": "00:00", "end": "23:59",
         "products": ["kettle"], "per_product": "1h"}
    ]
    data.pop("off_air", None)
    data.get("fallback", {}).pop("products", None)
    data["products"] = [p for p in data["products"] if p["id"] == "kettle"]
    for product in data["products"]:
        product.pop("image", None)
        product.pop("sale", None)
    (folder / "schedule.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))


def on_air(questions: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = write_setup(folder / "unit", WIDTH, HEIGHT, FPS)
        _kettle_schedule(folder / "unit")
        with mosquitto(folder / "mqtt").start() as broker, \
                nginx_rtmp(folder / "nginx").start() as rtmp:
            rec = Recorder(broker.port, [f"{BASE}/events", f"{BASE}/state"])
            url = f"rtmp://127.0.0.1:{rtmp.port}/live/bench"
            proc = start_daemon(config, "--mqtt", f"mqtt://127.0.0.1:{broker.port}",
                                "--output", url, log=folder / "daemon.log")
            audience = Audience(broker.port)  # publishes as a bridge does
            try:
                if not _waited(lambda: any(s.get("on_air") for s in rec.json(f"{BASE}/state")), 90):
                    raise TimeoutError("the unit did not go on air")
                time.sleep(15)  # past the opening, said whole (the AI notice)

                latencies, unanswered, why = [], 0, {}
                for n in range(questions):
                    # one at a time, from a new viewer each (no rate limit, no merging)
                    event_id = audience.send(text=QUESTIONS[n % len(QUESTIONS)], name=f"viewer{n}")
                    _waited(lambda e=event_id: fate(rec, e) is not None, 20)
                    found = fate(rec, event_id)
                    if found and found["kind"] == "answered":
                        latencies.append(found["data"]["latency_ms"])
                    else:
                        unanswered += 1
                        reason = (found or {}).get("data", {}).get("reason", "no fate")
                        why[reason] = why.get(reason, 0) + 1
                    time.sleep(6.5)  # the answer said before the next question
                    # 8 questions with 8 different answers: one round, then a pause, so no
                    # answer repeats within a minute (it would be ignored as just answered)
                    if n % len(QUESTIONS) == len(QUESTIONS) - 1:
                        time.sleep(max(0.0, 61 - 6.5 * len(QUESTIONS)))

                process = psutil.Process(proc.pid)
                idle_cpu = _cpu_over(process, 20)
                flood_cpu = _cpu_over(process, 20, lambda i: audience.send(
                    text=QUESTIONS[i % len(QUESTIONS)], name=f"flood{i}"), rate=10)
            finally:
                audience.close()
                rec.close()
                stop_daemon(proc)
    latencies.sort()

    def pct(q: float) -> float | None:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else None

    return {
        "questions": questions,
        "answered": len(latencies),
        "unanswered": unanswered,
        "unanswered_why": why,
        "latency_ms_p50": pct(0.5),
        "latency_ms_p95": pct(0.95),
        "latency_ms_max": latencies[-1] if latencies else None,
        "target_p95_ms": 800,
        "cpu_cores_on_air_no_comments": idle_cpu,
        "cpu_cores_on_air_10_comments_a_second": flood_cpu,
    }


def _cpu_over(process: psutil.Process, seconds: float, each=None, rate: float = 0.0) -> float:
    """Cores used by the daemon's tree over `seconds`, sending `rate` comments a second."""
    before, started = tree_cpu(process), time.monotonic()
    sent = 0
    while time.monotonic() - started < seconds:
        if each is not None and sent < (time.monotonic() - started) * rate:
            each(sent)
            sent += 1
        time.sleep(0.01)
    return round((tree_cpu(process) - before) / (time.monotonic() - started), 2)


def _waited(predicate, timeout: float) -> bool:
    """wait_until, with False where it would fail a test: pytest's failure is no Exception,
    and would end bench.run's other benchmarks too."""
    try:
        wait_until(predicate, timeout, 0.02)
    except pytest.fail.Exception:
        return False
    return True


def run() -> dict:
    questions = int(os.environ.get("LIVEHOST_BENCH_QUESTIONS", "200"))
    return {"matching": matching_cost(), "on_air": on_air(questions)}
