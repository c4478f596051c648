"""Errors of the streaming slice. Transports raise these so the supervisor never sees library errors."""

from __future__ import annotations

from bot_v2.domain.errors import BotError


class StreamClosed(BotError):
    """The connection ended (closed, dropped, refused). The supervisor reconnects."""


class NoStreamAdapter(BotError):
    """The venue has no websocket adapter: the runtime keeps polling REST instead."""


def describe(exc: BaseException) -> str:
    """One line for a log: the error's type and its text."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
