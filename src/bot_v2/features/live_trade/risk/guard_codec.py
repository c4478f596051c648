"""GuardState in the stored risk state's JSON document. A document stored before the protections
existed has no "guards" key: it loads as GuardState() (nothing halted, paused or cooling)."""

from __future__ import annotations

from typing import Any

from bot_v2.features.live_trade.risk.protections import Breaker, Cooldown, GuardState


def encode_guards(guards: GuardState) -> dict[str, Any]:
    b = guards.breaker
    return {
        "halt": guards.halt,
        "losses_in_a_row": b.losses_in_a_row,
        "incidents": list(b.incidents),
        "paused_until_ms": b.paused_until_ms,
        "pause_reason": b.reason,
        "cooldowns": [[c.symbol, c.until_ms, c.reason] for c in guards.cooldowns],
        "trades_seen_ms": guards.trades_seen_ms,
    }


def decode_guards(raw: Any) -> GuardState:
    if raw is None:
        return GuardState()
    if not isinstance(raw, dict):
        raise ValueError(f"guards: not a JSON object: {raw!r}")
    incidents = raw["incidents"]
    cooldowns = raw["cooldowns"]
    if not isinstance(incidents, list) or not isinstance(cooldowns, list):
        raise ValueError("guards: incidents and cooldowns must be lists")
    return GuardState(
        halt=_text(raw["halt"], "halt"),
        breaker=Breaker(
            losses_in_a_row=_int(raw["losses_in_a_row"], "losses_in_a_row"),
            incidents=tuple(_int(t, "incidents") for t in incidents),
            paused_until_ms=_int(raw["paused_until_ms"], "paused_until_ms"),
            reason=_text(raw["pause_reason"], "pause_reason"),
        ),
        cooldowns=tuple(_cooldown(entry) for entry in cooldowns),
        trades_seen_ms=_int(raw["trades_seen_ms"], "trades_seen_ms"),
    )


def _cooldown(entry: Any) -> Cooldown:
    if not isinstance(entry, list) or len(entry) != 3:
        raise ValueError(f"guards.cooldowns: not [symbol, until_ms, reason]: {entry!r}")
    symbol, until, reason = entry
    return Cooldown(
        _text(symbol, "cooldowns"), _int(until, "cooldowns"), _text(reason, "cooldowns")
    )


def _int(value: Any, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"guards.{key}: not a whole number: {value!r}")
    return value


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"guards.{key}: not text: {value!r}")
    return value


__all__ = ["decode_guards", "encode_guards"]
