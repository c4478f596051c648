"""Funding carry: positions against extreme funding rates, with a trend filter (strategy.py), its
params class beside it."""

from bot_v2.features.live_trade.strategies.funding_carry.params import FundingCarryParams
from bot_v2.features.live_trade.strategies.funding_carry.strategy import FundingCarryStrategy

__all__ = ["FundingCarryParams", "FundingCarryStrategy"]
