"""The product schedule store staff write (etc/livehost/schedule.yaml), as pydantic models.

Field descriptions double as documentation of the file format. Checks that involve
several fields (unknown product ids, overlapping slots, ...) live in `checks.py` so that
all of them can be reported together with their own line numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from livehost.schedule.currencies import CURRENCY_CODES
from livehost.schedule.fields import (
    WEEKDAYS,
    Day,
    Days,
    Duration,
    LocalDateTime,
    Text,
    TimeOfDay,
    parse_duration,
)
from livehost.speech.normalize import language_of

ProductId = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        max_length=64,
        description="Short name used to refer to the product in slots: letters, digits, - _ .",
    ),
]
Money = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]
Style = Literal["energetic", "calm", "friendly"]


def _check_currency(code: str | None) -> str | None:
    if code is None:
        return None
    upper = code.strip().upper()
    if upper not in CURRENCY_CODES:
        raise ValueError(
            f"'{code}' is not a currency code; use a three-letter code like USD, EUR or CNY"
        )
    return upper


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Faq(_Section):
    question: Text = Field(min_length=1, max_length=300)
    answer: Text = Field(min_length=1, max_length=600)
    keywords: list[Annotated[Text, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list,
        max_length=20,
        description="Words or phrases in a viewer's question that mean this question "
        "(any one of them, with the product on air, picks this answer).",
    )


class Store(_Section):
    name: Text = Field(
        min_length=1, max_length=80, description="The shop's name, as the host says it."
    )
    currency: str = Field("USD", description="Currency for prices that do not name their own.")
    language: Literal["en", "zh"] = Field(
        "en", description="Language of the sales talk and the card: en or zh."
    )
    about: Text = Field(
        "",
        max_length=500,
        description="A sentence or two about the shop that the idle host says between shows.",
    )
    faq: list[Faq] = Field(
        default_factory=list,
        max_length=30,
        description="Questions about the shop as a whole (opening hours, delivery, returns) "
        "that the idle host answers between shows.",
    )

    _currency = field_validator("currency")(_check_currency)

    @field_validator("language", mode="before")
    @classmethod
    def _language_part(cls, value: object) -> object:
        # staff write locales too: zh_CN, zh-Hans, EN-us all mean the language part
        return language_of(value) if isinstance(value, str) else value


class Sale(_Section):
    price: Money = Field(description="The sale price; must be below the normal price.")
    starts: LocalDateTime | None = Field(None, description="When the sale starts (local time).")
    ends: LocalDateTime = Field(
        description="When the sale ends (local time), e.g. 2026-12-01 20:00."
    )


class Product(_Section):
    id: ProductId
    name: Text = Field(
        min_length=1,
        max_length=80,
        description="The name on the product card; the host says it too unless spoken_name is set.",
    )
    spoken_name: Text | None = Field(
        None,
        min_length=1,
        max_length=80,
        description="How the host says the name when `name` reads badly aloud, e.g. name "
        "'Stoneware Mug Set (4 x 350 ml)', spoken_name 'stoneware mug set'.",
    )
    price: Money
    currency: str | None = Field(None, description="Defaults to the store's currency.")
    sale: Sale | None = None
    features: list[Annotated[Text, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=12, description="Key selling points, one short sentence each."
    )
    description: Text = Field("", max_length=1000)
    faq: list[Faq] = Field(default_factory=list, max_length=30)
    image: str | None = Field(
        None, description="Picture for the product card, relative to this file."
    )
    call_to_action: Text | None = Field(None, max_length=200)

    _currency = field_validator("currency")(_check_currency)

    def on_sale(self, local: datetime) -> bool:
        """Whether the sale price applies at `local` (the unit's wall-clock time, naive)."""
        sale = self.sale
        if sale is None:
            return False
        return (sale.starts is None or sale.starts <= local) and local < sale.ends


class DateRange(_Section):
    from_: Day = Field(alias="from", description="First day (inclusive).")
    until: Day = Field(description="Last day (inclusive).")

    def contains(self, day: date) -> bool:
        return self.from_ <= day <= self.until


class Slot(_Section):
    """A block of airtime on given days, rotating through its products."""

    name: Text | None = Field(None, max_length=80)
    days: Days = Field(WEEKDAYS, description="Days it airs: [mon, tue], weekdays, weekends, daily.")
    start: TimeOfDay
    end: TimeOfDay
    overnight: bool = Field(False, description="Set true when the slot runs past midnight.")
    dates: DateRange | None = Field(None, description="Only air between these dates.")
    products: list[str] = Field(min_length=1, max_length=100)
    per_product: Duration = Field(
        300.0, description="Time on each product before the next: 5m, 90s."
    )
    style: Style = "friendly"

    def label(self, index: int) -> str:
        return self.name or f"slot {index + 1}"


class OffAir(_Section):
    """A time the unit does not stream at all (night, holidays). Wins over slots."""

    name: Text | None = Field(None, max_length=80)
    days: Days = Field(WEEKDAYS)
    start: TimeOfDay | None = Field(None, description="Leave start and end out for whole days.")
    end: TimeOfDay | None = None
    overnight: bool = False
    dates: DateRange | None = None

    def label(self, index: int) -> str:
        return self.name or f"off-air period {index + 1}"


class Fallback(_Section):
    """What airs when no slot is scheduled: an idle host with the store's message."""

    message: Text = Field(min_length=1, max_length=500)
    products: list[str] = Field(
        default_factory=list, description="Products the idle host may mention."
    )


MAX_VIEWERS = 100_000_000  # more than any live room; a bigger number is a typo


def _duration_between(low: float, high: float) -> Callable[[object], float]:
    """A parser of a length of time (5m, 90s, or seconds) between `low` and `high`."""
    return lambda value: parse_duration(value, low, high)


CtaEvery = Annotated[float, BeforeValidator(_duration_between(20, 600))]
RecapEvery = Annotated[float, BeforeValidator(_duration_between(30, 3600))]


class Tier(_Section):
    """How the host talks while the platform reports at least `viewers` watching."""

    viewers: int = Field(
        ge=0,
        le=MAX_VIEWERS,
        strict=True,
        description="The tier starts at this many viewers (the first tier at 0); the host "
        "moves up to it as soon as the count reaches it.",
    )
    name: Text | None = Field(
        None, min_length=1, max_length=40, description="A name for logs: quiet, busy, packed."
    )
    style: Style = Field(
        description="The host's energy in this tier, in place of the slot's style: calm, "
        "friendly or energetic."
    )
    cta_every: CtaEvery = Field(
        description="Time between calls to action (tap the cart, follow the shop): 20s to "
        "10m. Shorter when many are watching."
    )


def _default_tiers() -> list[Tier]:
    return [
        Tier(viewers=0, name="quiet", style="calm", cta_every=120.0),
        Tier(viewers=20, name="busy", style="friendly", cta_every=70.0),
        Tier(viewers=200, name="packed", style="energetic", cta_every=35.0),
    ]


def _tier_error(index: int, message: str, value: int) -> ValidationError:
    """A problem reported at one tier's `viewers:` line, not at the list's."""
    return ValidationError.from_exception_data(
        "Audience",
        [
            InitErrorDetails(
                type=PydanticCustomError("value_error", message),  # type: ignore[arg-type]
                loc=(index, "viewers"),
                input=value,
            )
        ],
    )


class Audience(_Section):
    """How the room's size shapes the talk. It takes effect only while an audience bridge
    reports a viewer count; without one the slot's style and pacing apply, as ever."""

    adapt: bool = Field(
        True,
        strict=True,
        description="Set false to keep the slot's style and pacing whatever the count.",
    )
    tiers: list[Tier] = Field(
        default_factory=_default_tiers,
        min_length=1,
        max_length=8,
        description="From the smallest room up, each with more viewers than the one before; "
        "the first starts at 0. Default: quiet (0, calm, a call to action every 2m), busy "
        "(20, friendly, 70s), packed (200, energetic, 35s).",
    )
    hysteresis: float = Field(
        0.2,
        ge=0,
        le=0.9,
        strict=True,
        allow_inf_nan=False,
        description="The host steps down a tier only when the count falls this fraction "
        "below the tier's start (0.2: a tier starting at 200 holds down to 160), so a count "
        "hovering around a threshold does not flip the host back and forth.",
    )
    recap_after: RecapEvery = Field(
        120.0,
        description="At most one recap for late joiners (the product's name, its main "
        "point and its price) in this time, 30s to 1h; a rise within it brings none.",
    )
    recap_jump: float = Field(
        0.3,
        gt=0,
        le=10,
        strict=True,
        allow_inf_nan=False,
        description="A rise of this fraction within a minute (0.3: 30 percent, and at "
        "least 3 new viewers) brings a recap.",
    )
    recap_joiners: int = Field(
        20,
        ge=1,
        le=MAX_VIEWERS,
        strict=True,
        description="So many new viewers within a minute bring a recap, however big the room.",
    )

    @field_validator("tiers")
    @classmethod
    def _increasing(cls, tiers: list[Tier]) -> list[Tier]:
        if tiers[0].viewers != 0:
            raise _tier_error(
                0,
                f"the first tier must start at 0 viewers (it says {tiers[0].viewers}), so "
                "that every count has a tier",
                tiers[0].viewers,
            )
        for index in range(1, len(tiers)):
            before, tier = tiers[index - 1].viewers, tiers[index].viewers
            if tier <= before:
                raise _tier_error(
                    index,
                    f"each tier needs more viewers than the one before: this one starts at "
                    f"{tier}, the one before at {before}",
                    tier,
                )
        return tiers


class Schedule(_Section):
    store: Store
    products: list[Product] = Field(min_length=1, max_length=500)
    slots: list[Slot] = Field(default_factory=list, max_length=200)
    off_air: list[OffAir] = Field(default_factory=list, max_length=200)
    fallback: Fallback
    audience: Audience = Field(
        default_factory=Audience,
        description="Optional: how the number of viewers shapes the talk (tiers of energy "
        "and calls to action, recaps for late joiners).",
    )

    def product(self, product_id: str) -> Product:
        for product in self.products:
            if product.id == product_id:
                return product
        raise KeyError(product_id)

    def currency_of(self, product: Product) -> str:
        return product.currency or self.store.currency


def window_bounds(start: time | None, end: time | None) -> tuple[int, int]:
    """Minutes from local midnight of the day a window starts: (start, end), end > start."""
    begin = start.hour * 60 + start.minute if start else 0
    finish = end.hour * 60 + end.minute if end else 24 * 60
    if end is not None and finish <= begin:
        finish += 24 * 60
    return begin, finish
