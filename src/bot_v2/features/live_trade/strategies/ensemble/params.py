"""The ensemble's parameters: which strategies vote, their weights, and the share of the vote a
direction needs."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import attrs

from bot_v2.features.live_trade.strategies.ensemble.members import MEMBERS
from bot_v2.features.live_trade.strategies.params import option, param


def names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def weights(text: str, count: int) -> list[Decimal]:
    if not text.strip():
        return [Decimal(1)] * count
    try:
        return [Decimal(part) for part in names(text)]
    except InvalidOperation:
        raise ValueError(f"weights must be numbers separated by commas, got {text!r}") from None


@attrs.frozen
class EnsembleParams:
    members: str = option(
        "baseline,momentum,breakout",
        doc="Strategies that vote, comma-separated, each with its default parameters.",
    )
    weights: str = option("", doc="One weight > 0 per member, comma-separated; empty: all 1.")
    # param() is an attrs field specifier, not a shared mutable default.
    threshold: Decimal = param(  # noqa: RUF009
        Decimal("0.5"),
        low=0,
        high=1,
        low_open=True,
        doc="A direction is taken when its weighted share of the vote reaches this.",
    )

    def __attrs_post_init__(self) -> None:
        chosen = names(self.members)
        if not chosen:
            raise ValueError("members must name at least one strategy")
        unknown = [n for n in chosen if n not in MEMBERS]
        if unknown:
            known = ", ".join(sorted(MEMBERS))
            raise ValueError(f"members: unknown {', '.join(unknown)}; known: {known}")
        weighed = weights(self.weights, len(chosen))
        if len(weighed) != len(chosen):
            raise ValueError(f"weights: {len(weighed)} given for {len(chosen)} members")
        if any(w <= 0 for w in weighed):
            raise ValueError(f"weights must all be > 0, got {self.weights!r}")
