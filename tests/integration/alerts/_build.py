"""Notifiers built from the registry exactly as a run builds them, aimed at loopback receivers."""

from __future__ import annotations

from bot_v2.adapters.notifiers.registry import NOTIFIERS
from bot_v2.adapters.notifiers.settings import NotifierSettings
from bot_v2.monitoring.alerts.channel import DeliveryChannel, DeliveryPolicy
from bot_v2.monitoring.alerts.dispatcher import AlertDispatcher
from bot_v2.ports.notifier import INotifier
from tests.alertloopback import Receiver
from tests.alertloopback.receivers import TELEGRAM_CHAT, TELEGRAM_TOKEN

# Short waits: the tests count attempts, never time them.
FAST = DeliveryPolicy(rate_per_min=600, max_attempts=3, backoff_s=0.01, backoff_max_s=0.05)


def settings_for(receiver: Receiver) -> NotifierSettings:
    url = receiver.url
    return NotifierSettings(
        webhook_url=url if receiver.service == "webhook" else "",
        slack_webhook_url=url if receiver.service == "slack" else "",
        discord_webhook_url=url if receiver.service == "discord" else "",
        telegram_bot_token=TELEGRAM_TOKEN,
        telegram_chat_id=TELEGRAM_CHAT,
        telegram_api_url=receiver.base,
        timeout_s=5.0,
        source="perps-test (dev)",
    )


def notifier_for(receiver: Receiver) -> INotifier:
    return NOTIFIERS[receiver.service](settings_for(receiver))


def dispatcher_for(receiver: Receiver, policy: DeliveryPolicy = FAST) -> AlertDispatcher:
    channel = DeliveryChannel(notifier_for(receiver), policy)
    dispatcher = AlertDispatcher([channel], dedup_window_s=0)
    dispatcher.start()
    return dispatcher
