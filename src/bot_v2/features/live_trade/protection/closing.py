"""IntentCloser: a bot-side exit (time, end of day, a stop already crossed, a stop the venue would
not take) closes the whole position through the normal intent path: a reduce-only market order,
its intent committed first, past the pre-trade risk checks, then the account synced so the books
see the fill."""

from __future__ import annotations

import contextlib
from decimal import Decimal

from bot_v2.domain.errors import BrokerError
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.execution import ExecutionCoordinator
from bot_v2.features.live_trade.exits.values import ExitKind
from bot_v2.features.live_trade.strategy_orchestrator import Account, RiskContexts
from bot_v2.ports.state_store import IStateStore


class IntentCloser:
    def __init__(
        self,
        execution: ExecutionCoordinator,
        risk: RiskContexts,
        account: Account,
        store: IStateStore,
    ) -> None:
        self._execution = execution
        self._risk = risk
        self._account = account
        self._store = store

    async def __call__(self, symbol: str, kind: ExitKind, now_ms: int) -> bool:
        signal = Signal(symbol, Action.CLOSE, reason=kind.value)
        outcomes = await self._execution.act(signal, Decimal(0), self._risk.context(), now_ms)
        for outcome in outcomes:
            r = outcome.request
            verdict = f"sent as {r.client_order_id}" if outcome.sent else outcome.rejected_by
            self._store.record_event(
                now_ms, "exit_close", f"{kind.value} {symbol}: {r.side.value} {r.size:f}: {verdict}"
            )
        sent = any(o.sent for o in outcomes)
        if sent:
            self._store.record_event(now_ms, "exit", f"{kind.value} {symbol}: closed by the bot")
            # The close went out; if the sync fails, the cycle's next one books its fill.
            with contextlib.suppress(BrokerError):
                await self._account.sync()
        return sent
