"""Non-finite and absurd values in every number the show uses (property-based): a schedule
or config either is refused with a problem at its line, or the show can use it: the
rehearsal (plan, paint, talk) and, for the config, building what a start builds."""

from __future__ import annotations

import copy
import io
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livehost.cli.main import main
from livehost.problems import ProblemsError
from livehost.schedule.load import load_schedule_text
from livehost.show.rehearse import rehearse, rehearse_config

REPO = Path(__file__).resolve().parents[2]
SAMPLE = yaml.safe_load((REPO / "etc/livehost/schedule.yaml").read_text())
CONFIG = yaml.safe_load((REPO / "etc/livehost/livehost.yaml").read_text())
UTC = timezone.utc
ZONE = ZoneInfo("America/New_York")

# numbers as a person (or a fuzzer) might type them: YAML's own specials, huge, tiny,
# negative, zero, text that looks numeric, and durations with units
ABSURD = st.one_of(
    st.sampled_from(
        [".nan", ".NaN", ".inf", "-.inf", "1e308", "-1e308", "1e-308", "0", "-0", "-1",
         "9" * 40, "0.000001", "1e9", "nan", "inf", "0x10", "1_000", "12:30", "~", "true",
         "0s", "-5m", "1e9h", "999999h", "25h", "1h1e9m", "5 m", "PT5M", "۳۰"]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)


# an audience section like the sample's commented one, so its numbers are fuzzed too
AUDIENCE = {
    "tiers": [
        {"viewers": 0, "style": "calm", "cta_every": "2m"},
        {"viewers": 20, "style": "friendly", "cta_every": "70s"},
        {"viewers": 200, "style": "energetic", "cta_every": "35s"},
    ],
    "hysteresis": 0.2,
    "recap_after": "2m",
    "recap_jump": 0.3,
    "recap_joiners": 20,
}
SAMPLE.setdefault("audience", AUDIENCE)


def numeric_paths(data: dict) -> list[tuple]:
    """Where the sample schedule keeps numbers (prices, durations, times, the room)."""
    paths: list[tuple] = [
        ("audience", key) for key in ("hysteresis", "recap_after", "recap_jump", "recap_joiners")
    ]
    for i in range(len(data["audience"]["tiers"])):
        paths += [("audience", "tiers", i, "viewers"), ("audience", "tiers", i, "cta_every")]
    for i, product in enumerate(data["products"]):
        paths.append(("products", i, "price"))
        if "sale" in product:
            paths.append(("products", i, "sale", "price"))
    for j, slot in enumerate(data.get("slots", [])):
        for key in ("per_product", "start", "end"):
            if key in slot:
                paths.append(("slots", j, key))
    return paths


def set_path(data: dict, path: tuple, raw: str) -> None:
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = yaml.safe_load(f"x: {raw}")["x"] if raw.strip() else raw


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_schedule_number_is_refused_at_its_line_or_the_show_can_use_it(data) -> None:
    doc = copy.deepcopy(SAMPLE)
    path = data.draw(st.sampled_from(numeric_paths(doc)))
    raw = data.draw(ABSURD)
    set_path(doc, path, raw)
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    try:
        loaded = load_schedule_text(text, str(REPO / "etc/livehost/schedule.yaml"))
    except ProblemsError as exc:
        assert exc.problems and all(p.line for p in exc.problems), exc.problems
        return
    problems = rehearse(loaded, ZONE, datetime.now(UTC))
    assert problems == [], f"{path} = {raw!r} validated but the show cannot use it: {problems}"


CONFIG_NUMBERS = [
    ("video", "width"), ("video", "height"), ("video", "fps"), ("video", "bitrate_kbps"),
    ("video", "keyframe_seconds"), ("mqtt", "telemetry_seconds"), ("mqtt", "snapshot_seconds"),
    ("show", "notice_minutes"), ("recording", "segment_minutes"), ("recording", "max_gb"),
    ("voice", "length_scale"),
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CONFIG_NUMBERS), ABSURD)
def test_a_config_number_is_refused_at_its_line_or_a_start_can_use_it(tmp_path_factory, where, raw):
    from livehost.config.device import load_config_text

    doc = copy.deepcopy(CONFIG)
    set_path(doc, where, raw)
    path = tmp_path_factory.mktemp("cfg") / "livehost.yaml"
    text = yaml.safe_dump(doc, sort_keys=False)
    try:
        loaded = load_config_text(text, path)
    except ProblemsError as exc:
        assert exc.problems and all(p.line for p in exc.problems), exc.problems
        return
    problems = rehearse_config(loaded)
    assert problems == [], f"{where} = {raw!r} validated but a start cannot use it: {problems}"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_check_never_prints_a_traceback(tmp_path_factory, data) -> None:
    doc = copy.deepcopy(SAMPLE)
    set_path(doc, data.draw(st.sampled_from(numeric_paths(doc))), data.draw(ABSURD))
    folder = tmp_path_factory.mktemp("check")
    schedule = folder / "schedule.yaml"
    schedule.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["check", str(schedule)])
    assert code in (0, 1), (code, err.getvalue()[-500:])
    assert "Traceback" not in out.getvalue() + err.getvalue()
