"""[strategy.entry] as the runtime's value."""

from __future__ import annotations

from decimal import Decimal

import attrs

ENTRY_KINDS = ("taker", "maker")
FALLBACKS = ("market", "cancel")


@attrs.frozen
class EntrySettings:
    # "taker": a market order (as before); "maker": a post-only limit at the touch.
    kind: str = "taker"
    # How long a resting entry waits before it is cancelled and placed again at the new touch.
    reprice_after_s: Decimal = Decimal(60)
    # How many times it is placed again; after the last wait, `fallback` decides.
    max_reprices: int = 3
    # "market": the rest goes out as a market order; "cancel": the entry gives up.
    fallback: str = "market"

    @property
    def maker(self) -> bool:
        return self.kind == "maker"

    @property
    def reprice_after_ms(self) -> int:
        return int(self.reprice_after_s * 1000)
