"""Protection: the venue holds each open position's stop and take-profits. `protect` is pure over
frozen values; `ProtectionService` gathers them (store, exit planner, venue) and applies the plan."""

from bot_v2.features.live_trade.protection.closing import IntentCloser
from bot_v2.features.live_trade.protection.plan import protect
from bot_v2.features.live_trade.protection.report import ProtectionReport, ProtectionStats
from bot_v2.features.live_trade.protection.service import ProtectionService
from bot_v2.features.live_trade.protection.values import (
    FailurePolicy,
    Held,
    Inputs,
    ProtectionPlan,
    ProtectiveRecord,
    RecordStatus,
    Settings,
)

__all__ = [
    "FailurePolicy",
    "Held",
    "Inputs",
    "IntentCloser",
    "ProtectionPlan",
    "ProtectionReport",
    "ProtectionService",
    "ProtectionStats",
    "ProtectiveRecord",
    "RecordStatus",
    "Settings",
    "protect",
]
