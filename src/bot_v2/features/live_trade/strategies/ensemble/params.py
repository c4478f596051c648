"""The ensemble's parameters: which strategies vote, their weights, the share of the vote a
direction needs, and each member's own parameters.

A member's parameters are a table named after it, structured by the config's one converter into
that member's own params class, so they are checked exactly as if the member ran alone:

    [strategy.params]
    members = "momentum,breakout"
    [strategy.params.momentum]      # config.strategy.params.momentum.lookback: must be >= 1, got 0
    lookback = 96

A table per member name (rather than prefixed keys such as `momentum_lookback`) keeps each member's
keys, ranges and error lines its own, and lets two members share a key name. A member without a
table runs with its defaults; a table for a strategy that is not in `members` is refused (it would
change nothing)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import attrs

from bot_v2.features.live_trade.strategies.baseline import BaselineParams
from bot_v2.features.live_trade.strategies.breakout import BreakoutParams
from bot_v2.features.live_trade.strategies.ensemble.members import CANNOT_VOTE, MEMBERS
from bot_v2.features.live_trade.strategies.mean_reversion import MeanReversionParams
from bot_v2.features.live_trade.strategies.momentum import MomentumParams
from bot_v2.features.live_trade.strategies.params import option, param
from bot_v2.features.live_trade.strategies.regime import RegimeParams
from bot_v2.features.live_trade.strategies.volatility_expansion import VolatilityExpansionParams


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
        doc="Strategies that vote, comma-separated; each with its [..params.<member>] table.",
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
    # One field per MEMBERS entry, named as the member: its own params (None: its defaults).
    # option() is an attrs field specifier, not a shared mutable default.
    baseline: BaselineParams | None = option(  # noqa: RUF009
        None, doc="[..params.baseline]: this member's own params; absent: its defaults."
    )
    momentum: MomentumParams | None = option(  # noqa: RUF009
        None, doc="[..params.momentum]: this member's own params; absent: its defaults."
    )
    breakout: BreakoutParams | None = option(  # noqa: RUF009
        None, doc="[..params.breakout]: this member's own params; absent: its defaults."
    )
    mean_reversion: MeanReversionParams | None = option(  # noqa: RUF009
        None, doc="[..params.mean_reversion]: this member's own params; absent: its defaults."
    )
    volatility_expansion: VolatilityExpansionParams | None = option(  # noqa: RUF009
        None, doc="[..params.volatility_expansion]: this member's own params; absent: its defaults."
    )
    regime: RegimeParams | None = option(  # noqa: RUF009
        None, doc="[..params.regime]: this member's own params; absent: its defaults."
    )

    def __attrs_post_init__(self) -> None:
        chosen = names(self.members)
        if not chosen:
            raise ValueError("members must name at least one strategy")
        refused = [n for n in chosen if n in CANNOT_VOTE]
        if refused:
            raise ValueError(f"members: {CANNOT_VOTE[refused[0]]}")
        unknown = [n for n in chosen if n not in MEMBERS]
        if unknown:
            known = ", ".join(sorted(MEMBERS))
            raise ValueError(f"members: unknown {', '.join(unknown)}; known: {known}")
        weighed = weights(self.weights, len(chosen))
        if len(weighed) != len(chosen):
            raise ValueError(f"weights: {len(weighed)} given for {len(chosen)} members")
        if any(w <= 0 for w in weighed):
            raise ValueError(f"weights must all be > 0, got {self.weights!r}")
        idle = [n for n in MEMBERS if n not in chosen and member_params(self, n) is not None]
        if idle:
            raise ValueError(
                f"{idle[0]}: a params table for a strategy not in members ({self.members})"
            )


def member_params(params: EnsembleParams, name: str) -> object | None:
    """The params table given for member `name` (structured into its params class), or None."""
    given: object | None = getattr(params, name, None)
    return given
