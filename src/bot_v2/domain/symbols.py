"""ccxt's unified perpetual notation: BASE/QUOTE:SETTLE, for example BTC/USDT:USDT."""

from __future__ import annotations

import re

from bot_v2.domain.errors import InvalidSymbol

_UNIFIED = re.compile(r"^([A-Z0-9]{1,20})/([A-Z0-9]{2,10}):([A-Z0-9]{2,10})$")
_COMPACT_QUOTES = ("USDT", "USDC", "BUSD", "USD")


def normalize_symbol(raw: str) -> str:
    """Accepts `BTC/USDT:USDT`, `btc/usdt:usdt`, `BTC/USDT` and `BTCUSDT`; returns the unified perp form."""
    text = raw.strip().upper()
    if "/" not in text:
        for quote in _COMPACT_QUOTES:
            if text.endswith(quote) and len(text) > len(quote):
                text = f"{text[: -len(quote)]}/{quote}"
                break
    if "/" in text and ":" not in text:
        text = f"{text}:{text.split('/')[1]}"
    match = _UNIFIED.match(text)
    if match is None:
        raise InvalidSymbol(f"not a perpetual symbol in BASE/QUOTE:SETTLE form: {raw!r}")
    return text


def venue_id(symbol: str) -> str:
    """The compact form most venues use on the wire: BTC/USDT:USDT -> BTCUSDT."""
    base, rest = symbol.split("/", 1)
    return base + rest.split(":", 1)[0]
