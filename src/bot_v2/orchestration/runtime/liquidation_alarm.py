"""LiquidationAlarm: at the end of each cycle, journals a position whose estimated liquidation came
closer than `alerts.liquidation_distance_pct` (event "liquidation_distance", once per position)
and its recovery ("liquidation_distance_recovered"). The journal is where alerts come from
(monitoring/alerts/journal_tap.py), so this step never calls a notifier; what is below is kept in
memory only, so after a restart a position still below is journaled (and alerted) once more.
Built only when the key is above 0 (orchestration/alert_factories.py)."""

from __future__ import annotations

import logging
from decimal import Decimal

from bot_v2.domain.orders import Side
from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.risk.liquidation_watch import BELOW, watch
from bot_v2.features.live_trade.risk_context import RiskContextSource
from bot_v2.ports.state_store import IStateStore

log = logging.getLogger(__name__)


class LiquidationAlarm:
    def __init__(
        self,
        *,
        ledger: Ledger,
        risk_context: RiskContextSource,
        store: IStateStore,
        threshold: Decimal,
        maintenance_margin_rate: Decimal,
    ) -> None:
        self.ledger = ledger
        self.risk_context = risk_context
        self.store = store
        self.threshold = threshold
        self.mmr = maintenance_margin_rate
        self.below: dict[str, Side] = {}

    def run(self, now_ms: int, equity: Decimal) -> None:
        """`equity` is the cycle's, from the risk context's valuation: its total notional is of
        the same update."""
        self.below, notices = watch(
            self.below,
            self.ledger.positions,
            self.risk_context.marks(),
            equity,
            self.mmr,
            self.threshold,
            self.risk_context.valuation.total_notional(),
        )
        for notice in notices:
            if notice.kind == BELOW:
                log.warning("ALERT: liquidation distance: %s", notice.detail)
            else:
                log.info("liquidation distance recovered: %s", notice.detail)
            self.store.record_event(now_ms, notice.kind, notice.detail)
