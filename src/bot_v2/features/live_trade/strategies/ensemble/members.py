"""The strategies an ensemble may vote with, by name: per-candle built-ins (one line each, and the
member's params table as a field of EnsembleParams). Kept here rather than read from the registry,
which lists the ensemble itself."""

from __future__ import annotations

from bot_v2.features.live_trade.strategies.baseline import BaselineStrategy
from bot_v2.features.live_trade.strategies.breakout import BreakoutStrategy
from bot_v2.features.live_trade.strategies.mean_reversion import MeanReversionStrategy
from bot_v2.features.live_trade.strategies.momentum import MomentumStrategy
from bot_v2.features.live_trade.strategies.regime import RegimeStrategy
from bot_v2.features.live_trade.strategies.volatility_expansion import VolatilityExpansionStrategy

MEMBERS: dict[str, type] = {
    cls.name: cls
    for cls in (
        BaselineStrategy,
        MomentumStrategy,
        BreakoutStrategy,
        MeanReversionStrategy,
        VolatilityExpansionStrategy,
        RegimeStrategy,
    )
}

# Built-ins that cannot vote, and why: an operator naming one gets the reason, not "unknown".
CANNOT_VOTE: dict[str, str] = {
    "funding_carry": (
        "funding_carry decides over a view of funding rates and candles (a portfolio strategy), "
        "not candle by candle; run it in its own [[strategies]] slot"
    ),
    "pairs": "pairs trades two legs together over a view of both; run it in its own slot",
    "ensemble": "an ensemble cannot vote in an ensemble",
}
