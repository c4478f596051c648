"""Indicators in two shapes that must agree: incremental (one candle at a time, for the live loop:
each class's `update` is O(1), amortized where it resyncs) and numpy (whole arrays, for research,
fast-mode twins and checking the incremental one; tests/unit/live_trade/indicators/). One file per
indicator; this module names them all."""

from bot_v2.features.live_trade.indicators.adx import Direction, DirectionalIndex, directional_index
from bot_v2.features.live_trade.indicators.atr import (
    AverageTrueRange,
    average_true_range,
    true_range,
)
from bot_v2.features.live_trade.indicators.bands import (
    Bands,
    Bollinger,
    Keltner,
    bollinger,
    keltner,
)
from bot_v2.features.live_trade.indicators.beta import RollingBeta, rolling_beta
from bot_v2.features.live_trade.indicators.donchian import Donchian, donchian
from bot_v2.features.live_trade.indicators.ema import ExponentialMean, exponential_mean
from bot_v2.features.live_trade.indicators.mean import RollingMean, RollingMeanState, rolling_mean
from bot_v2.features.live_trade.indicators.rank import PercentileRank, percentile_rank
from bot_v2.features.live_trade.indicators.rsi import RelativeStrength, relative_strength
from bot_v2.features.live_trade.indicators.variance import (
    RollingVariance,
    RollingZScore,
    rolling_variance,
    rolling_zscore,
)

__all__ = [
    "AverageTrueRange",
    "Bands",
    "Bollinger",
    "Direction",
    "DirectionalIndex",
    "Donchian",
    "ExponentialMean",
    "Keltner",
    "PercentileRank",
    "RelativeStrength",
    "RollingBeta",
    "RollingMean",
    "RollingMeanState",
    "RollingVariance",
    "RollingZScore",
    "average_true_range",
    "bollinger",
    "directional_index",
    "donchian",
    "exponential_mean",
    "keltner",
    "percentile_rank",
    "relative_strength",
    "rolling_beta",
    "rolling_mean",
    "rolling_variance",
    "rolling_zscore",
    "true_range",
]
