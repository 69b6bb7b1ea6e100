"""Talk: what a viewer hears in an hour of the sample schedule, without audio.

The real director runs over simulated time (`devkit.rehearsal`), each line as long
as the voice takes to say it. Per stretch of the programme: the share of time the host
speaks and the longest silence; repeats of a sentence within ten minutes; and how many
distinct sentences each product's material gives, with the template wordings alone and
with the approved scripts shipped in etc/livehost/scripts/. Targets: speech share >= 0.85
in every stretch, longest silence <= 5 s, no repeats.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from devkit.rehearsal import Rehearsal, rehearse
from livehost.schedule.load import load_schedule_file
from livehost.scripts.store import ScriptStore
from livehost.show.material import product_material

ETC = Path(__file__).resolve().parents[1] / "etc" / "livehost"
ZONE = ZoneInfo("America/New_York")
# weekday afternoons (three products, 5 min each) with the idle host before them, and a
# weekend hour (five products, 4 min each)
HOURS = {
    "friday_13:30": datetime(2026, 11, 27, 13, 30, tzinfo=ZONE),
    "saturday_11:00": datetime(2026, 11, 28, 11, 0, tzinfo=ZONE),
}


def summary(rehearsal: Rehearsal) -> dict:
    stretches = rehearsal.stretches
    return {
        "speech_share": round(rehearsal.speech_share, 3),
        "lowest_share": round(min(s.share for s in stretches), 3),
        "longest_silence_s": round(rehearsal.longest_silence, 1),
        "repeats_within_10_min": len(rehearsal.repeats),
        "lines": len(rehearsal.said),
        "scripted_lines": sum(1 for _, u in rehearsal.said if u.scripted),
        "stretches": [
            {
                "what": s.label,
                "seconds": round(s.end - s.start),
                "share": round(s.share, 3),
                "longest_silence_s": round(s.longest_silence, 1),
            }
            for s in stretches
        ],
    }


def run() -> dict:
    schedule = load_schedule_file(ETC / "schedule.yaml").schedule
    with tempfile.TemporaryDirectory() as state:
        store = ScriptStore(ETC / "scripts", Path(state), schedule)
        scripts = store.start()
    results: dict[str, object] = {}
    for name, start in HOURS.items():
        results[f"templates_{name}"] = summary(rehearse(schedule, ZONE, start, 3600))
        results[f"scripts_{name}"] = summary(rehearse(schedule, ZONE, start, 3600, scripts))
    results["distinct_sentences"] = {
        product.id: {
            "templates": product_material(schedule, product).sentences,
            "with_scripts": product_material(
                schedule, product, scripts.approved(product)
            ).sentences,
            "fact_seconds_templates": round(product_material(schedule, product).fact_seconds),
            "fact_seconds_with_scripts": round(
                product_material(schedule, product, scripts.approved(product)).fact_seconds
            ),
        }
        for product in schedule.products
    }
    return results
