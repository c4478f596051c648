"""Client order ids of protective orders: `<bot>-<SYMBOL>-p<sequence>`. The sequence is
protection's own, stored with the record that used it, so these ids never collide with the
decision ids `<bot>-<SYMBOL>-<n>`, whose last part is all digits (reconciliation's sequence floor
reads only those). What an order is (stop-loss, trailing, take-profit rung) is in its record.

A store restored from an older backup has an older sequence: the service then moves it past every
id the venue knows (see ProtectionService, "sequence floor"), so no id is sent twice."""

from __future__ import annotations

import hashlib
import re

from bot_v2.domain.symbols import venue_id
from bot_v2.features.live_trade.client_ids import MAX_LENGTH

_PLAIN = re.compile(r"[A-Za-z0-9_.-]+")
_TAIL = re.compile(r"p(\d+)")


def protective_order_id(bot_id: str, symbol: str, sequence: int) -> str:
    plain = f"{bot_id}-{venue_id(symbol)}-p{sequence}"
    if len(plain) <= MAX_LENGTH and _PLAIN.fullmatch(plain):
        return plain
    return f"{_digest(bot_id, symbol)}-p{sequence}"


def sequence_of(client_order_id: str, bot_id: str, symbol: str) -> int | None:
    """The sequence of one of this bot's protective ids for `symbol` (either spelling), else None."""
    head, dash, tail = client_order_id.rpartition("-")
    match = _TAIL.fullmatch(tail)
    if not dash or match is None:
        return None
    if head not in (f"{bot_id}-{venue_id(symbol)}", _digest(bot_id, symbol)):
        return None
    return int(match.group(1))


def is_own_protective(client_order_id: str, bot_id: str, symbol: str) -> bool:
    return sequence_of(client_order_id, bot_id, symbol) is not None


def _digest(bot_id: str, symbol: str) -> str:
    return "pb" + hashlib.sha256(f"{bot_id}|{symbol}".encode()).hexdigest()[:10]
