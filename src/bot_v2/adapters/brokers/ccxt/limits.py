"""Rate limits and bans as the venue states them: `Retry-After` on a 429, an IP ban on a 418.

A ban (Binance answers 418 once a client kept calling through 429s) is waited out locally: the
`Gate` refuses every call until it lifts, so no request reaches the venue meanwhile (each one
would lengthen the ban). A 429 whose Retry-After is longer than a call may wait closes the gate
too, as a rate limit, for the same reason."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable, Mapping
from typing import Any

from bot_v2.adapters.brokers.ccxt.retry import with_retry_after
from bot_v2.domain.errors import BotError, RateLimited, VenueBanned

# A ban that names no end: Binance's shortest ban is two minutes.
DEFAULT_BAN_S = 120.0
# ccxt's texts: "binanceusdm 418 I'm a teapot {...}", "<id> GET <url> 418 <reason> <body>".
_TEAPOT = re.compile(r"(?<![\d.])418(?![\d.])")
# Binance names the end of a ban in its message: "IP banned until 1507974316000".
_BANNED_UNTIL = re.compile(r"banned until (\d{13})")


def retry_after_s(headers: Mapping[str, Any] | None, now_ms: int) -> float | None:
    """The Retry-After header in seconds (a number or an HTTP date), None when absent or unreadable."""
    value = next(
        (str(v) for k, v in (headers or {}).items() if str(k).lower() == "retry-after"), None
    )
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now_ms / 1000)


def is_ban(exc: BaseException) -> bool:
    """Whether a ccxt rate-limit error was an HTTP 418 (the text before any JSON body says so)."""
    return bool(_TEAPOT.search(str(exc).split("{", 1)[0]))


class Gate:
    """Closed until a time the venue named; `check` raises while closed."""

    def __init__(self, exchange_id: str, now_ms: Callable[[], int]) -> None:
        self._exchange_id = exchange_id
        self._now_ms = now_ms
        self._until_ms = 0
        self._banned = False

    def check(self, operation: str) -> None:
        left_ms = self._until_ms - self._now_ms()
        if left_ms <= 0:
            return
        where = f"{self._exchange_id} {operation}: not sent"
        if self._banned:
            raise VenueBanned(
                f"{where}, the venue banned this client for {left_ms / 1000:.0f}s more",
                self._until_ms,
            )
        limited = RateLimited(f"{where}, rate limited for {left_ms / 1000:.1f}s more")
        raise with_retry_after(limited, left_ms / 1000)

    def rate_limited(
        self, mapped: BotError, exc: BaseException, headers: Mapping[str, Any] | None, cap_s: float
    ) -> BotError:
        """The domain error for a venue's rate-limit answer, closing the gate where it must."""
        now = self._now_ms()
        wait_s = retry_after_s(headers, now)
        if is_ban(exc):
            named = _BANNED_UNTIL.search(str(exc))
            if wait_s is None and named is not None:
                wait_s = max(0.0, (int(named.group(1)) - now) / 1000)
            self._close(now + int((DEFAULT_BAN_S if wait_s is None else wait_s) * 1000), True)
            return VenueBanned(f"{mapped} (banned until {self._until_ms} ms)", self._until_ms)
        if wait_s is None or not isinstance(mapped, RateLimited):
            return mapped
        if wait_s > cap_s:
            self._close(now + int(wait_s * 1000), False)
        return with_retry_after(mapped, wait_s)

    def _close(self, until_ms: int, banned: bool) -> None:
        if until_ms > self._until_ms:
            self._until_ms = until_ms
            self._banned = banned
        elif banned:
            self._banned = True
