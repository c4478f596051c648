"""The exits a strategy asked for (`[strategy.exits]`, docs/risk.md "Exits"), as the runtime value
`plan_exits` reads. The config section is checked before this is built; the checks here only keep a
value built by hand from being nonsense."""

from __future__ import annotations

import enum
import re
from decimal import Decimal
from typing import Final

import attrs

ZERO: Final = Decimal(0)
_DAY_MS: Final = 86_400_000
_HH_MM: Final = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


class StopMode(enum.Enum):
    """How a stop's distance is measured: off, a fraction of the price, or a multiple of the ATR
    (never farther than the percent distance, which also stands in until the ATR has its window)."""

    OFF = "off"
    PERCENT = "percent"
    ATR = "atr"


def utc_minute(text: str) -> int | None:
    """Minutes after 00:00 UTC of an `HH:MM` time; None for anything else (`24:00`, `9:30`)."""
    match = _HH_MM.fullmatch(text)
    if match is None:
        return None
    return int(match.group(1)) * 60 + int(match.group(2))


def stop_room(leverage: Decimal, maintenance_rate: Decimal | None = None) -> Decimal:
    """How far (a fraction of the entry price) the price can move against an isolated position at
    `leverage` before it is liquidated: the initial margin 1/leverage less the maintenance rate.
    Without the market's rate, the conservative bound 1/(2 x leverage): every Binance USD-M bracket
    that allows a leverage L keeps its maintenance rate at or below half the initial rate 1/L
    (125x: 0.4%, 20x: 2.5%, 10x: 5%, 2x: 25%). Cross margin only adds to the room."""
    initial = 1 / leverage
    rate = initial / 2 if maintenance_rate is None else maintenance_rate
    return max(initial - rate, ZERO)


def _time_or_empty(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value and utc_minute(value) is None:
        raise ValueError(f"{attribute.name} must be HH:MM (UTC) or empty, got {value!r}")


@attrs.frozen
class ExitSettings:
    """One strategy's exits. Percent distances are fractions of the entry (or best) price."""

    stop_loss: StopMode = StopMode.PERCENT
    stop_loss_pct: Decimal = Decimal("0.04")
    stop_loss_atr: Decimal = Decimal(2)
    take_profit_distances: tuple[Decimal, ...] = ()
    take_profit_fractions: tuple[Decimal, ...] = ()
    trailing: StopMode = StopMode.OFF
    trailing_pct: Decimal = Decimal("0.03")
    trailing_atr: Decimal = Decimal(3)
    # 0: the trailing stop follows from entry; else only once the best price is this far in profit.
    trailing_activation_pct: Decimal = ZERO
    # 0: off; else the stop moves to entry (plus break_even_fee_pct) once this far in profit.
    break_even_after_pct: Decimal = ZERO
    break_even_fee_pct: Decimal = Decimal("0.001")
    # 0: off.
    max_holding_s: Decimal = ZERO
    # "": off; "HH:MM": flatten at that UTC time.
    flatten_at_utc: str = attrs.field(default="", validator=_time_or_empty)
    atr_window: int = 14

    def __attrs_post_init__(self) -> None:
        if len(self.take_profit_distances) != len(self.take_profit_fractions):
            raise ValueError("take_profit_distances and take_profit_fractions differ in length")
        if sum(self.take_profit_fractions, ZERO) > 1:
            raise ValueError("take_profit_fractions sum over 1")

    @property
    def flatten_minute(self) -> int | None:
        return utc_minute(self.flatten_at_utc) if self.flatten_at_utc else None

    @property
    def max_holding_ms(self) -> int | None:
        return int(self.max_holding_s * 1000) if self.max_holding_s > 0 else None

    @property
    def uses_atr(self) -> bool:
        return StopMode.ATR in (self.stop_loss, self.trailing)

    @property
    def acts_every_cycle(self) -> bool:
        """Exits that may move the venue's stop or close a position at any cycle (trailing,
        break-even, time, end of day), not only when a fill or a signal comes: a fast backtest
        runs every cycle while a position is open when one is on."""
        return (
            self.trailing is not StopMode.OFF
            or self.break_even_after_pct > 0
            or self.max_holding_s > 0
            or bool(self.flatten_at_utc)
        )


def next_flatten_ms(after_ms: int, minute: int) -> int:
    """The first instant strictly after `after_ms` at `minute` of a UTC day."""
    at = after_ms - after_ms % _DAY_MS + minute * 60_000
    return at if at > after_ms else at + _DAY_MS
