"""Fault injection for loopback venues: counted, one-shot faults a test arms before it acts."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Literal

SubmitFault = Literal["5xx", "timeout"]


@dataclass
class _Counted:
    remaining: int
    path_contains: str | None
    status: int = 0

    def take(self, path: str) -> bool:
        if self.remaining <= 0:
            return False
        if self.path_contains is not None and self.path_contains not in path:
            return False
        self.remaining -= 1
        return True


class Faults:
    """Every method is thread-safe, so a test thread can arm faults on a server running elsewhere."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rate_limits: deque[_Counted] = deque()
        self._bans: deque[_Counted] = deque()
        self._server_errors: deque[_Counted] = deque()
        self._stalls: deque[_Counted] = deque()
        self._after: dict[str, deque[SubmitFault]] = {"submit": deque(), "cancel": deque()}
        self._hidden_lookups = 0
        # lookup_lag: what the next order placed gets, and per client id what is left of it.
        self._lag_next = 0
        self._lagging: dict[str, int] = {}
        # The Retry-After header (seconds) a rate-limited or banned answer carries.
        self.retry_after_s = "1"
        self.ban_header = True
        # How long a "timeout" submit holds its answer back; longer than any test client timeout.
        self.timeout_delay_s = 3.0
        # The account's position mode: hedge (OKX long/short, Binance dual-side) when set, which a
        # one-way client must refuse at start. Not a one-shot fault: it holds until cleared.
        self.hedge_mode = False

    def rate_limit_next(self, n: int = 1, path_contains: str | None = None) -> None:
        """The next `n` requests (whose path contains `path_contains`) get HTTP 429, unprocessed."""
        with self._lock:
            self._rate_limits.append(_Counted(n, path_contains))

    def ban_next(self, n: int = 1, retry_after_s: int = 120, *, header: bool = True) -> None:
        """The next `n` requests get HTTP 418 (an IP ban, Binance), unprocessed, for retry_after_s:
        said in a Retry-After header, or (header=False) only as "banned until <ms>" in the text."""
        with self._lock:
            self.retry_after_s = str(retry_after_s)
            self.ban_header = header
            self._bans.append(_Counted(n, None))

    def server_error_next(
        self, n: int = 1, status: int = 502, path_contains: str | None = None
    ) -> None:
        """The next `n` requests get a gateway-style 5xx before the venue processes them."""
        with self._lock:
            self._server_errors.append(_Counted(n, path_contains, status))

    def stall_next(self, n: int = 1, path_contains: str | None = None) -> None:
        """The next `n` requests (whose path contains `path_contains`) are answered only after
        `timeout_delay_s`: a venue that has gone quiet, for a client that keeps waiting."""
        with self._lock:
            self._stalls.append(_Counted(n, path_contains))

    def fail_next_submits(self, n: int = 1, mode: SubmitFault = "5xx") -> None:
        """The next `n` order submits are processed and stored, then answered with the venue's
        'status unknown' 5xx ("5xx") or not answered before the client gives up ("timeout")."""
        with self._lock:
            self._after["submit"].extend([mode] * n)

    def fail_next_cancels(self, n: int = 1, mode: SubmitFault = "5xx") -> None:
        """As fail_next_submits, for cancels: the order is cancelled, the answer is lost."""
        with self._lock:
            self._after["cancel"].extend([mode] * n)

    def hide_next_lookups(self, n: int = 1) -> None:
        """The next `n` order queries by id answer "no such order" although it exists: a venue's
        read side lagging behind its matching engine."""
        with self._lock:
            self._hidden_lookups += n

    def lookup_lag(self, n: int) -> None:
        """The next order placed stays invisible to the read side (queries by id, open orders,
        trades) until it has been queried by client id `n` times: a venue whose reads lag its
        matching engine. Its position shows at once."""
        with self._lock:
            self._lag_next = n

    def placed(self, client_id: str) -> None:
        """Called by a venue when it stores an order: starts the armed lookup lag on it."""
        with self._lock:
            if self._lag_next > 0:
                self._lagging[client_id] = self._lag_next
                self._lag_next = 0

    def lagging(self, client_id: str, *, queried: bool = False) -> bool:
        """Whether reads must not show the order yet; a query by its client id uses one up."""
        with self._lock:
            left = self._lagging.get(client_id, 0)
            if left <= 0:
                return False
            if queried:
                self._lagging[client_id] = left - 1
            return True

    def set_hedge_mode(self, on: bool = True) -> None:
        """Puts the account in hedge (long/short) position mode, or back in one-way mode."""
        with self._lock:
            self.hedge_mode = on

    def clear(self) -> None:
        with self._lock:
            self.hedge_mode = False
            self._rate_limits.clear()
            self._bans.clear()
            self.retry_after_s = "1"
            self._server_errors.clear()
            self._stalls.clear()
            for queue in self._after.values():
                queue.clear()
            self._hidden_lookups = 0
            self._lag_next = 0
            self._lagging.clear()

    def take_hidden_lookup(self) -> bool:
        with self._lock:
            if self._hidden_lookups <= 0:
                return False
            self._hidden_lookups -= 1
            return True

    def take_rate_limit(self, path: str) -> bool:
        with self._lock:
            return self._take(self._rate_limits, path) is not None

    def take_stall(self, path: str) -> bool:
        with self._lock:
            return self._take(self._stalls, path) is not None

    def take_ban(self, path: str) -> bool:
        with self._lock:
            return self._take(self._bans, path) is not None

    def take_server_error(self, path: str) -> int | None:
        with self._lock:
            hit = self._take(self._server_errors, path)
            return None if hit is None else hit.status

    def take_after(self, action: str) -> SubmitFault | None:
        """The fault armed for this processed action ("submit" or "cancel"), if any."""
        with self._lock:
            queue = self._after[action]
            return queue.popleft() if queue else None

    @staticmethod
    def _take(queue: deque[_Counted], path: str) -> _Counted | None:
        for item in queue:
            if item.take(path):
                if item.remaining == 0:
                    queue.remove(item)
                return item
        while queue and queue[0].remaining == 0:
            queue.popleft()
        return None
