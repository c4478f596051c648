"""Deterministic client order ids: the same decision always carries the same id, so after a crash
the bot can ask the venue whether that exact order landed."""

from __future__ import annotations

import hashlib
import re

from bot_v2.domain.symbols import venue_id

# Binance allows 36 characters of [.A-Z:/a-z0-9_-]; Bybit and OKX allow at least as many.
MAX_LENGTH = 36
# What a plain id may be made of (ASCII only: venues refuse other letters and digits).
_PLAIN = re.compile(r"[A-Za-z0-9_.-]+")


def client_order_id(bot_id: str, symbol: str, sequence: int) -> str:
    plain = f"{bot_id}-{venue_id(symbol)}-{sequence}"
    if len(plain) <= MAX_LENGTH and _PLAIN.fullmatch(plain):
        return plain
    digest = hashlib.sha256(f"{bot_id}|{symbol}".encode()).hexdigest()[:10]
    return f"pb{digest}-{sequence}"
