"""What a notifier is built from: its secrets (from the environment, never shown) and options."""

from __future__ import annotations

import attrs
import httpx


@attrs.frozen
class NotifierSettings:
    webhook_url: str = attrs.field(default="", repr=False)
    slack_webhook_url: str = attrs.field(default="", repr=False)
    telegram_bot_token: str = attrs.field(default="", repr=False)
    telegram_chat_id: str = ""
    discord_webhook_url: str = attrs.field(default="", repr=False)
    telegram_api_url: str = "https://api.telegram.org"
    timeout_s: float = 10.0
    # Who speaks, at the head of every message: "perps-dev (dev)".
    source: str = "perps-bot"
    # Tests may route requests elsewhere; None: the network.
    transport: httpx.BaseTransport | None = attrs.field(default=None, repr=False)
