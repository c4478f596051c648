"""Regime detection: RegimeDetector (trend / range / turbulent, a filter any strategy can hold) and
the regime strategy that trades each regime its own way, its params class beside it."""

from bot_v2.features.live_trade.strategies.regime.detector import (
    Regime,
    RegimeDetector,
    RegimeReading,
)
from bot_v2.features.live_trade.strategies.regime.params import RegimeParams
from bot_v2.features.live_trade.strategies.regime.strategy import RegimeStrategy

__all__ = ["Regime", "RegimeDetector", "RegimeParams", "RegimeReading", "RegimeStrategy"]
