"""An operator's pause is a risk-state switch: kept in the stored form (a state stored before the
switch existed reads as not paused), lifted only by a resume, and while set a decision's context
is reduce-only, so only reducing orders pass."""

from __future__ import annotations

import json
from decimal import Decimal

from bot_v2.features.live_trade.risk.state import RiskState, clear, pause
from bot_v2.features.live_trade.risk.state_keeper import decode, encode


def test_a_pause_is_stored_and_a_state_from_before_reads_as_not_paused() -> None:
    paused = pause(RiskState(), "entries paused by the operator")
    assert decode(encode(paused)).paused == "entries paused by the operator"
    older = json.loads(encode(RiskState(day_start_equity=Decimal(5))))
    del older["paused"]
    assert decode(json.dumps(older)) == RiskState(day_start_equity=Decimal(5))


def test_pause_is_idempotent_and_only_a_resume_lifts_it() -> None:
    paused = pause(RiskState(), "first")
    assert pause(paused, "second") is paused
    assert paused.blocked_reason == "first"
    assert clear(paused, reduce_only=True, kill_switch=True) is paused
    assert clear(paused, paused=True) == RiskState()
