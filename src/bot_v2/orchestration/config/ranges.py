"""Numeric ranges with both ends. "Positive" is not a range a program can run: a window of 1e20
candles or `cycle_interval_s = 1e-999999` (0.0 once it is a float) passes `> 0` and fails later, so
every number the bot reads has an upper bound and a lower one it can actually work with."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from bot_v2.orchestration.config.problems import Problem


@attrs.frozen
class Range:
    low: Decimal = attrs.field(converter=Decimal)
    high: Decimal = attrs.field(converter=Decimal)
    low_open: bool = False
    high_open: bool = False

    @property
    def low_text(self) -> str:
        return f"{'>' if self.low_open else '>='} {self.low}"

    @property
    def high_text(self) -> str:
        return f"{'<' if self.high_open else '<='} {self.high}"

    def describe(self) -> str:
        """As docs/configuration.md writes it: `> 0 and <= 125`."""
        return f"{self.low_text} and {self.high_text}"

    def __call__(self, path: str, value: Any) -> Problem | None:
        """The problem names the end that was crossed: `must be <= 125, got 1E+20`."""
        if value < self.low or (self.low_open and value == self.low):
            return Problem(path, f"must be {self.low_text}", value)
        if value > self.high or (self.high_open and value == self.high):
            return Problem(path, f"must be {self.high_text}", value)
        return None

    def holds(self, value: Any) -> bool:
        return self(".", value) is None
