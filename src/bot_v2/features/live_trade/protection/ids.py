"""Client order ids of protective orders: `<bot>-<SYMBOL>-<tag><sequence>`, the tag naming what the
order is (sl stop-loss, tr trailing, be break-even, tp take-profit). The sequence is protection's
own (stored before use), so these ids never collide with the decision ids `<bot>-<SYMBOL>-<n>`,
whose last part is all digits (reconciliation's sequence floor reads only those)."""

from __future__ import annotations

import hashlib
import re

from bot_v2.domain.symbols import venue_id
from bot_v2.features.live_trade.client_ids import MAX_LENGTH
from bot_v2.features.live_trade.exits.values import ExitKind

_TAGS = {
    ExitKind.STOP_LOSS: "sl",
    ExitKind.TRAILING: "tr",
    ExitKind.BREAK_EVEN: "be",
    ExitKind.TAKE_PROFIT: "tp",
}
_PLAIN = re.compile(r"[A-Za-z0-9_.-]+")
_TAIL = re.compile(r"(sl|tr|be|tp)\d+")


def tag_of(kind: ExitKind) -> str:
    """The id tag of a kind the venue can hold; other kinds are bot-side and have no order."""
    return _TAGS.get(kind, "sl")


def protective_order_id(bot_id: str, symbol: str, kind: ExitKind, sequence: int) -> str:
    tail = f"{tag_of(kind)}{sequence}"
    plain = f"{bot_id}-{venue_id(symbol)}-{tail}"
    if len(plain) <= MAX_LENGTH and _PLAIN.fullmatch(plain):
        return plain
    digest = hashlib.sha256(f"{bot_id}|{symbol}".encode()).hexdigest()[:10]
    return f"pb{digest}-{tail}"


def is_own_protective(client_order_id: str, bot_id: str, symbol: str) -> bool:
    """True when the id has this bot's protective form for `symbol` (either spelling)."""
    head, dash, tail = client_order_id.rpartition("-")
    if not dash or not _TAIL.fullmatch(tail):
        return False
    plain = f"{bot_id}-{venue_id(symbol)}"
    digest = "pb" + hashlib.sha256(f"{bot_id}|{symbol}".encode()).hexdigest()[:10]
    return head in (plain, digest)
