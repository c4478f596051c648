"""Kraken Futures USD multi-collateral perpetuals (ccxt `krakenfutures`): profile and protective
(trigger) orders. No websocket stream here: market data and fills are polled over REST."""

from bot_v2.adapters.venues.krakenfutures.profile import PROFILE
from bot_v2.adapters.venues.krakenfutures.protective import STYLE
from bot_v2.adapters.venues.venue import Venue

VENUE = Venue(profile=PROFILE, protective=STYLE)

__all__ = ["VENUE"]
