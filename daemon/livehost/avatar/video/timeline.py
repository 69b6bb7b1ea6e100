"""The capture guide's timeline: what a person records, in one take, and when.

`livehost avatar guide` prints or plays it; `livehost avatar build --video` cuts the clip
by it (or by a sidecar segments.yaml for a clip recorded another way). Every take after
the reading starts and ends in the idle pose, so a gesture can be entered and left
without a jump.
"""

from __future__ import annotations

from dataclasses import dataclass

GAP = 1.0  # seconds of rest (the idle pose) between two takes


@dataclass(frozen=True)
class Take:
    name: str  # the segment's name, and the cue that plays it (follow, cart, happy ...)
    seconds: float
    what: str  # the instruction, in plain words


TAKES: tuple[Take, ...] = (
    Take("idle", 15.0, "Look into the camera with your lips closed and breathe naturally."),
    Take("reading", 45.0, "Read the text aloud, at your normal pace, looking at the camera."),
    Take("follow", 3.0, "Point up, towards the Follow button, then back to rest."),
    Take("cart", 3.0, "Point down, towards the cart below the picture, then back to rest."),
    Take("product", 4.0, "Hold up a product beside your face, then lower it."),
    Take("nod", 2.0, "Nod once, as if agreeing."),
    Take("wave", 3.0, "Wave hello with one hand."),
    Take("happy", 3.0, "Smile broadly, as at good news."),
    Take("concerned", 3.0, "Look concerned, as at a customer's worry."),
)


@dataclass(frozen=True)
class Segment:
    name: str
    start: float  # seconds into the clip
    end: float


def segments(takes: tuple[Take, ...] = TAKES, gap: float = GAP) -> list[Segment]:
    """Where each take lies in a clip recorded along the guide."""
    out, at = [], 0.0
    for take in takes:
        out.append(Segment(take.name, at, at + take.seconds))
        at += take.seconds + gap
    return out


def total_seconds(takes: tuple[Take, ...] = TAKES, gap: float = GAP) -> float:
    return segments(takes, gap)[-1].end
