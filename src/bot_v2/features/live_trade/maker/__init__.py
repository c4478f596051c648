"""Maker entries ([strategy.entry] kind = "maker"): a post-only limit at the touch, re-priced after
a time, then a market order or nothing (docs/strategies.md, "Entries")."""

from bot_v2.features.live_trade.maker.desk import MakerDesk
from bot_v2.features.live_trade.maker.settings import EntrySettings
from bot_v2.features.live_trade.maker.working import WorkingEntry

__all__ = ["EntrySettings", "MakerDesk", "WorkingEntry"]
