"""The store's microphone: in-store questions (Vosk) and a person's voice in a takeover."""

from __future__ import annotations

from pydantic import Field

from livehost.config.base import Section


class ListenConfig(Section):
    enabled: bool = Field(
        False, description="Listen to the store's microphone (questions, voice takeover)."
    )
    device: str = Field(
        "default",
        min_length=1,
        max_length=256,
        description="An ALSA device (default, hw:1,0, plughw:CARD=USB), file:PATH (played in "
        "a loop) or fifo:PATH (raw 16 kHz mono s16le).",
    )
    model: str | None = Field(
        None,
        max_length=128,
        description="The Vosk model's id in models/manifest.yaml (kind: asr); none: the "
        "microphone serves takeovers only, no questions are heard.",
    )
    grammar: bool = Field(
        False,
        description="Recognise only the schedule's product names and FAQ keywords (sharper "
        "on a noisy shop floor, blind to anything else).",
    )
    half_duplex: bool = Field(
        True,
        description="Deaf while the host speaks; false only with an echo-cancelling microphone.",
    )
    echo_margin: float = Field(
        0.4,
        ge=0,
        le=30,
        description="Seconds after the host's last sound the microphone may still hear it "
        "(the room's echo; add the delay of a screen that plays the platform's stream).",
    )
    takeover_minutes: float = Field(
        30,
        gt=0,
        le=24 * 60,
        description="A takeover with no expiry of its own ends after this long.",
    )
