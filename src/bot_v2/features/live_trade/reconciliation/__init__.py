"""Reconciliation: make the store agree with the venue at start and while running. `reconcile` is
pure over frozen values; `ReconciliationService` gathers them through the ports and applies the plan."""

from bot_v2.features.live_trade.reconciliation.plan import reconcile
from bot_v2.features.live_trade.reconciliation.report import ReconciliationReport
from bot_v2.features.live_trade.reconciliation.service import ReconciliationService
from bot_v2.features.live_trade.reconciliation.values import (
    Policy,
    PositionDrift,
    ReconciliationPlan,
    StoredState,
    UnknownOrderPolicy,
    VenueReports,
)

__all__ = [
    "Policy",
    "PositionDrift",
    "ReconciliationPlan",
    "ReconciliationReport",
    "ReconciliationService",
    "StoredState",
    "UnknownOrderPolicy",
    "VenueReports",
    "reconcile",
]
