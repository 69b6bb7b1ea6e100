"""journald structured logging, checked on a fake journal socket; stderr elsewhere."""

from __future__ import annotations

import io
import logging
import os
import socket
import struct
import tempfile
from pathlib import Path

import pytest

from livehost.system.logging import encode_native, setup_logging


def decode_native(data: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    while data:
        line, _, rest = data.partition(b"\n")
        if b"=" in line:
            key, _, value = line.partition(b"=")
            fields[key.decode()] = value.decode()
            data = rest
        else:  # binary-safe form: KEY\n <u64 length> data \n
            (size,) = struct.unpack("<Q", rest[:8])
            fields[line.decode()] = rest[8 : 8 + size].decode()
            data = rest[9 + size :]
    return fields


@pytest.fixture
def journal(tmp_path_factory):
    folder = Path(tempfile.mkdtemp(prefix="lh-journal-"))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(folder / "socket"))
    sock.settimeout(2)
    yield sock, str(folder / "socket")
    sock.close()
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()


@pytest.fixture
def journal_stream(tmp_path):
    """A file standing in for the stderr stream systemd connected to the journal."""
    stream = open(tmp_path / "stderr", "w")  # noqa: SIM115 - closed below
    st = os.fstat(stream.fileno())
    yield stream, {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}
    stream.close()


@pytest.fixture(autouse=True)
def restore_root_logger():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = saved[0], saved[1]


def test_structured_fields_reach_the_journal(journal, journal_stream):
    sock, path = journal
    stream, env = journal_stream
    chosen = setup_logging(unit_id="shop-0042", env=env, stream=stream, journal_socket=path,
                           prefer_systemd_python=False)
    assert chosen == "journal"
    logging.getLogger("livehost.show").warning(
        "now showing %s", "Kettle", extra={"event": "segment_start", "product": "kettle-1"})
    fields = decode_native(sock.recv(65536))
    assert fields["MESSAGE"] == "now showing Kettle"
    assert fields["PRIORITY"] == "4"
    assert fields["SYSLOG_IDENTIFIER"] == "livehost"
    assert fields["LOGGER"] == "livehost.show"
    assert fields["LIVEHOST_UNIT"] == "shop-0042"
    assert fields["LIVEHOST_EVENT"] == "segment_start"
    assert fields["LIVEHOST_PRODUCT"] == "kettle-1"
    assert fields["CODE_FUNC"] == "test_structured_fields_reach_the_journal"
    assert "UNIT" not in fields  # journalctl -u matches UNIT=; it is systemd's


def test_tracebacks_use_the_binary_safe_form(journal, journal_stream):
    sock, path = journal
    stream, env = journal_stream
    setup_logging(env=env, stream=stream, journal_socket=path, prefer_systemd_python=False)
    try:
        raise RuntimeError("encoder gone")
    except RuntimeError:
        logging.getLogger("x").exception("output lost")
    raw = sock.recv(65536)
    assert b"MESSAGE\n" in raw
    fields = decode_native(raw)
    assert fields["MESSAGE"].startswith("output lost\nTraceback")
    assert "RuntimeError: encoder gone" in fields["MESSAGE"]
    assert fields["PRIORITY"] == "3" and "LIVEHOST_UNIT" not in fields


def test_plain_stderr_outside_systemd():
    stream = io.StringIO()
    assert setup_logging(env={}, stream=stream) == "stderr"
    logging.getLogger("livehost.x").info("hello", extra={"event": "e"})
    assert stream.getvalue().rstrip().endswith("INFO livehost.x: hello")


def test_a_foreign_journal_stream_is_not_ours(journal, tmp_path):
    # $JOURNAL_STREAM inherited from a parent, while our stderr goes elsewhere
    _, path = journal
    with open(tmp_path / "other", "w") as stream:
        assert setup_logging(env={"JOURNAL_STREAM": "1:2"}, stream=stream,
                             journal_socket=path) == "stderr"


def test_journal_stream_without_a_socket_keeps_priorities(journal_stream, tmp_path):
    stream, env = journal_stream
    chosen = setup_logging(env=env, stream=stream, journal_socket=str(tmp_path / "none"),
                           prefer_systemd_python=False)
    assert chosen == "stderr"
    logging.getLogger("lh").error("boom")
    stream.flush()
    assert (tmp_path / "stderr").read_text() == "<3>lh: boom\n"


def test_systemd_python_gets_the_same_fields(journal_stream, monkeypatch):
    journal_module = pytest.importorskip("systemd.journal", reason="no systemd-python")
    sent = []
    monkeypatch.setattr(journal_module, "send", lambda message, **kw: sent.append((message, kw)))
    stream, env = journal_stream
    assert setup_logging(unit_id="u1", env=env, stream=stream) == "journal"
    logging.getLogger("lh").info("hi", extra={"product": "p"})
    message, fields = sent[0]
    assert message == "hi"
    assert fields["LIVEHOST_UNIT"] == "u1" and fields["LIVEHOST_PRODUCT"] == "p"
    assert fields["PRIORITY"] == "6"


def test_native_encoding_of_plain_values():
    assert encode_native({"A": "1", "B": "x=y"}) == b"A=1\nB=x=y\n"
