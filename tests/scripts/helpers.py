"""Helpers for the script tests: a unit folder to run the CLI in, small fake endpoints."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "etc" / "livehost"
LIVEHOST = [sys.executable, "-m", "livehost"]

ZH_SCHEDULE = """\
store:
  name: 枫树街家居
  currency: CNY
  language: zh
products:
  - id: kettle
    name: 极光玻璃水壶
    price: 399
    sale:
      price: 299
      ends: 2026-12-01 20:00
    features:
      - 一点五升容量，四分钟内烧开
      - 高硼硅玻璃，加热时亮起柔和的蓝光
      - 保温三十分钟后自动断电
    description: 一款安静的玻璃水壶，看得见水烧开的样子。
    faq:
      - question: 壶盖可以拿下来吗？
        answer: 可以，壶盖直接取下，清洗内部很方便。
    call_to_action: 点击下方购物车，趁优惠结束前加入。
slots:
  - days: daily
    start: "09:00"
    end: "12:00"
    products: [kettle]
fallback:
  message: 欢迎来到枫树街家居！
"""


def make_unit(
    root: Path, scripts: bool = False, endpoint: str | None = None, extra: str = ""
) -> Path:
    """A config folder like /etc/livehost: livehost.yaml, the sample schedule, scripts/."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE / "schedule.yaml", root / "schedule.yaml")
    if scripts:
        shutil.copytree(SAMPLE / "scripts", root / "scripts")
    lines = [
        "unit:",
        "  id: test-unit",
        "  site: test",
        "  timezone: America/New_York",
        "schedule: schedule.yaml",
        "paths:",
        f"  state: {root / 'state'}",
        "scripts:",
        "  folder: scripts",
        "  timeout_seconds: 120",
        "  seed: 7",  # the tiny test model, sampled the same way every run
    ]
    if endpoint:
        lines.append(f"  endpoint: {endpoint}")
    config = root / "livehost.yaml"
    config.write_text("\n".join(lines) + "\n" + extra)
    return config


def run(*args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`livehost ARGS` as a real process; stdin is a pipe, never a terminal."""
    return subprocess.run(
        [*LIVEHOST, *args], input=stdin, capture_output=True, text=True, timeout=timeout
    )


@contextmanager
def fake_endpoint(
    answer: Callable[[http.server.BaseHTTPRequestHandler, bytes], None],
) -> Iterator[str]:
    """A tiny HTTP server on a free loopback port; `answer(handler, body)` replies."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            answer(self, body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def reply(handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
