"""Every notifier by the name `alerts.notifiers` lists. A new service: one file beside this one and
one line here (and its environment variables in orchestration/config/credentials.py)."""

from __future__ import annotations

from collections.abc import Callable

from bot_v2.adapters.notifiers.discord import DiscordNotifier
from bot_v2.adapters.notifiers.settings import NotifierSettings
from bot_v2.adapters.notifiers.slack import SlackNotifier
from bot_v2.adapters.notifiers.telegram import TelegramNotifier
from bot_v2.adapters.notifiers.webhook import WebhookNotifier
from bot_v2.ports.notifier import INotifier

NOTIFIERS: dict[str, Callable[[NotifierSettings], INotifier]] = {
    "webhook": WebhookNotifier,
    "slack": SlackNotifier,
    "telegram": TelegramNotifier,
    "discord": DiscordNotifier,
}
