"""What a strategy decides: a target position direction per symbol."""

from __future__ import annotations

import enum

import attrs


class Action(enum.Enum):
    HOLD = "hold"
    OPEN_LONG = "open_long"
    OPEN_SHORT = "open_short"
    CLOSE = "close"


@attrs.frozen
class Signal:
    symbol: str
    action: Action
    reason: str = ""
