"""RiskStateKeeper: the thin persistence step around RiskState. The state lives in the store's meta
table as one JSON document; a changed state is written before the keeper hands it out, so nothing
relies on a value a crash could lose."""

from __future__ import annotations

import json
from decimal import InvalidOperation
from typing import Any

from bot_v2.domain.errors import StateError
from bot_v2.features.live_trade.performance import Drawdown
from bot_v2.features.live_trade.risk.guard_codec import decode_guards, encode_guards
from bot_v2.features.live_trade.risk.state import RiskState
from bot_v2.features.live_trade.stored_fields import decimal_field, text_field
from bot_v2.ports.state_store import IStateStore

META_KEY = "risk_state"


class RiskStateKeeper:
    def __init__(self, store: IStateStore) -> None:
        self._store = store
        self.state = load_risk_state(store)

    def update(self, state: RiskState) -> bool:
        """Store `state` if it differs from the kept one, then keep it; True when it changed."""
        if state is self.state or state == self.state:
            return False
        self._store.set_meta(META_KEY, encode(state))
        self.state = state
        return True


def load_risk_state(store: IStateStore) -> RiskState:
    text = store.get_meta(META_KEY)
    if text is None:
        return RiskState()
    try:
        return decode(text)
    except (ValueError, TypeError, KeyError, InvalidOperation) as exc:
        raise StateError(
            f"state meta {META_KEY!r}: unreadable ({type(exc).__name__}: {exc}); "
            "see docs/runbooks/recovery.md, 'Risk state'"
        ) from None


def encode(state: RiskState) -> str:
    d = state.drawdown
    return json.dumps(
        {
            "day": state.day,
            "day_start_equity": str(state.day_start_equity),
            "day_halt": state.day_halt,
            "peak": None if d.peak is None else str(d.peak),
            "deepest": str(d.deepest),
            "max_drawdown": str(d.max_drawdown),
            "max_drawdown_abs": str(d.max_drawdown_abs),
            "reduce_only": state.reduce_only,
            "kill_switch": state.kill_switch,
            "paused": state.paused,
            "guards": encode_guards(state.guards),
        },
        sort_keys=True,
    )


def decode(text: str) -> RiskState:
    raw: Any = json.loads(text)
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    day = raw["day"]
    if day is not None and (not isinstance(day, int) or isinstance(day, bool)):
        raise ValueError(f"day: not a whole number: {day!r}")
    peak = raw["peak"]
    return RiskState(
        day=day,
        day_start_equity=decimal_field(raw, "day_start_equity"),
        day_halt=text_field(raw, "day_halt"),
        drawdown=Drawdown(
            peak=None if peak is None else decimal_field(raw, "peak"),
            deepest=decimal_field(raw, "deepest"),
            max_drawdown=decimal_field(raw, "max_drawdown"),
            max_drawdown_abs=decimal_field(raw, "max_drawdown_abs"),
        ),
        reduce_only=text_field(raw, "reduce_only"),
        kill_switch=text_field(raw, "kill_switch"),
        # Absent in a state stored before pausing existed: not paused.
        paused=text_field(raw, "paused") if "paused" in raw else "",
        # Absent in a state stored before the protections: nothing halted, paused or cooling.
        guards=decode_guards(raw.get("guards")),
    )
