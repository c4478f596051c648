"""Who may read and who may steer. Tokens come only from the environment (PERPS_VIEWER_TOKEN: read,
PERPS_OPERATOR_TOKEN: read and control). A browser exchanges one for a short-lived JWT (HS256,
signed with a random key made when the process starts: a restart ends every session) kept in an
HttpOnly, SameSite=Strict cookie; an API client sends the token itself as a bearer. Without any
token the API is read-only for everyone. Failed logins are rate-limited per client address.

Nothing here logs or echoes a token or a session: errors name the problem, never the value."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from typing import Final

import attrs
import jwt

VIEWER: Final = "viewer"
OPERATOR: Final = "operator"
# Without tokens configured: everyone reads, nobody steers.
ANONYMOUS: Final = "anonymous"
COOKIE: Final = "perps_session"
# Addresses remembered by the login limiter; past this the oldest are forgotten.
_MAX_CLIENTS: Final = 10_000


@attrs.frozen
class ApiTokens:
    viewer: str = attrs.field(default="", repr=False)
    operator: str = attrs.field(default="", repr=False)

    @property
    def any(self) -> bool:
        return bool(self.viewer or self.operator)


class LoginLimiter:
    """At most `per_minute` failed logins per client in any sliding minute."""

    def __init__(self, per_minute: int) -> None:
        self._per_minute = per_minute
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, client: str) -> bool:
        with self._lock:
            recent = self._recent(client, time.monotonic())
            return len(recent) >= self._per_minute

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client, time.monotonic()).append(time.monotonic())
            while len(self._failures) > _MAX_CLIENTS:
                self._failures.pop(next(iter(self._failures)))

    def _recent(self, client: str, now: float) -> deque[float]:
        recent = self._failures.setdefault(client, deque())
        while recent and recent[0] <= now - 60:
            recent.popleft()
        return recent


class ApiAuth:
    def __init__(self, tokens: ApiTokens, session_ttl_s: int, logins_per_minute: int) -> None:
        self._tokens = tokens
        self._ttl_s = session_ttl_s
        self._key = secrets.token_bytes(32)
        self.limiter = LoginLimiter(logins_per_minute)

    @property
    def read_only(self) -> bool:
        """No token configured: reads are open, controls refused."""
        return not self._tokens.any

    @property
    def session_ttl_s(self) -> int:
        return self._ttl_s

    def role_of_token(self, token: str) -> str | None:
        """The role a presented token grants, compared in constant time; None when it is neither."""
        given = token.encode()
        if self._tokens.operator and hmac.compare_digest(given, self._tokens.operator.encode()):
            return OPERATOR
        if self._tokens.viewer and hmac.compare_digest(given, self._tokens.viewer.encode()):
            return VIEWER
        return None

    def issue_session(self, role: str) -> str:
        now = int(time.time())
        claims = {"role": role, "iat": now, "exp": now + self._ttl_s}
        return jwt.encode(claims, self._key, algorithm="HS256")

    def role_of_session(self, session: str) -> str | None:
        try:
            claims = jwt.decode(session, self._key, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        role = claims.get("role")
        return role if role in (VIEWER, OPERATOR) else None

    def role_of(self, bearer: str | None, cookie: str | None) -> str | None:
        """The caller's role: a bearer token first, then the session cookie; ANONYMOUS when no
        token is configured; None when credentials are missing or wrong."""
        if self.read_only:
            return ANONYMOUS
        if bearer:
            return self.role_of_token(bearer)
        if cookie:
            return self.role_of_session(cookie)
        return None
