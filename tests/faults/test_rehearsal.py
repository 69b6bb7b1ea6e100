"""Nothing bad is ever saved as good: a schedule airs, and is kept as the last good one,
only after a rehearsal of what the show will do with it; a file that is not a schedule
(a symlink to a system file) has none of its contents quoted anywhere."""

from __future__ import annotations

import io
import struct
import zlib
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tests.onair.daemon_helpers import ALL_DAY_SCHEDULE

from livehost.cli.main import main
from livehost.render.card import PanelPainter
from livehost.schedule.load import load_schedule_text
from livehost.schedule.store import ScheduleStore
from livehost.show.rehearse import rehearse

UTC = ZoneInfo("UTC")
GOOD = ALL_DAY_SCHEDULE.format(first="kettle", second="mug")
CURSED = GOOD.replace("name: Stoneware Mug", "name: Cursed Mug")


@pytest.fixture
def painter_breaks_on_cursed(monkeypatch):
    """A card the painter cannot lay out (standing in for any bug the validation misses:
    the rehearsal must catch what nobody foresaw)."""
    real = PanelPainter.paint

    def paint(self, content):
        if content.name == "Cursed Mug":
            raise ZeroDivisionError("float division by zero")
        return real(self, content)

    monkeypatch.setattr(PanelPainter, "paint", paint)


def make_store(tmp_path: Path) -> ScheduleStore:
    path = tmp_path / "schedule.yaml"
    path.write_text(GOOD)
    store = ScheduleStore(
        path,
        UTC,
        tmp_path / "state",
        rehearse=lambda loaded: rehearse(loaded, UTC, datetime.now(timezone.utc)),
    )
    assert store.start() is not None
    return store


def test_a_schedule_the_show_cannot_use_is_refused_and_not_kept(tmp_path, painter_breaks_on_cursed):
    store = make_store(tmp_path)
    kept = store.last_good_path.read_text()
    store.path.write_text(CURSED)
    result = store.reload()
    assert not result.changed
    [problem] = result.problems
    assert "the show cannot use it" in problem.message
    assert "Cursed Mug" in problem.message or "product mug" in problem.message
    assert "float division by zero" in problem.message
    assert store.current.text == GOOD and store.version == 1
    assert store.last_good_path.read_text() == kept  # the bad one never became last good


def test_a_pushed_schedule_the_show_cannot_use_is_refused_and_the_file_untouched(
    tmp_path, painter_breaks_on_cursed
):
    store = make_store(tmp_path)
    result = store.write_and_apply(CURSED)
    assert not result.changed and result.problems
    assert store.path.read_text() == GOOD


def test_a_last_good_copy_that_cannot_be_used_is_not_aired(tmp_path, painter_breaks_on_cursed):
    store = make_store(tmp_path)
    store.last_good_path.write_text(CURSED)  # say, kept by an older version
    store.path.write_text("store: [broken")
    fresh = ScheduleStore(store.path, UTC, store.state_dir, rehearse=store.rehearse)
    assert fresh.start() is None  # the daemon airs its idle schedule instead


def test_check_reports_the_rehearsal_in_one_line_without_a_traceback(
    tmp_path, painter_breaks_on_cursed
):
    path = tmp_path / "schedule.yaml"
    path.write_text(CURSED)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["check", str(path)])
    text = out.getvalue() + err.getvalue()
    assert code == 1
    assert "the schedule validates, but the show cannot use it:" in text
    assert "Traceback" not in text


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims to be width x height (one empty row of data is enough to open)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1)))
        + chunk(b"IEND", b"")
    )


def test_a_picture_too_large_to_decode_is_a_warning_and_the_card_goes_on(tmp_path) -> None:
    (tmp_path / "huge.png").write_bytes(png_header(20000, 20000))
    text = GOOD.replace(
        "    features: [Hand glazed", "    image: huge.png\n    features: [Hand glazed"
    )
    loaded = load_schedule_text(text, str(tmp_path / "schedule.yaml"))
    [warning] = [w for w in loaded.warnings if "huge.png" in w.message]
    assert warning.line is not None and "far too large" in warning.message
    assert rehearse(loaded, UTC, datetime.now(timezone.utc)) == []  # painted without it


def test_a_symlink_to_a_system_file_quotes_none_of_it(tmp_path) -> None:
    system = tmp_path / "etc-secret.conf"
    system.write_text("root_password: hunter2\napi_token: 8f14e45fceea167a\n")
    path = tmp_path / "schedule.yaml"
    path.write_text(GOOD)
    store = ScheduleStore(path, UTC, tmp_path / "state")
    store.start()
    path.unlink()
    path.symlink_to(system)
    result = store.reload()
    assert not result.changed
    said = " ".join(f"{p} {p.to_dict()}" for p in result.problems)
    for secret in ("root_password", "hunter2", "api_token", "8f14e45fceea167a"):
        assert secret not in said
    assert "this is not a schedule" in said
