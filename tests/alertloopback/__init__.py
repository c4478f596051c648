"""Loopback receivers for alerts: real HTTP servers on 127.0.0.1 that speak a chat service's
webhook format (Slack, Telegram, Discord, our generic webhook), record what they receive, and
answer with scripted failures (429 with each service's retry-after, 5xx)."""

from tests.alertloopback.receivers import Receiver, Reply, rate_limited, server_error

__all__ = ["Receiver", "Reply", "rate_limited", "server_error"]
