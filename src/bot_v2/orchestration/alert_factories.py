"""The container's factories for alerts: the notifiers `alerts.notifiers` names (imported only
then, like ccxt), the dispatcher with its /health section and metrics, the stream watch, and the
state store wrapped so the journal raises alerts (monitoring/alerts/journal_tap.py), and the cycle's
liquidation alarm that journals what the liquidation_distance alert reports."""

from __future__ import annotations

from typing import cast

from bot_v2.features.live_trade.accounting import Ledger
from bot_v2.features.live_trade.risk_context import RiskContextSource
from bot_v2.features.streaming.service import StreamingService
from bot_v2.monitoring.alerts.channel import DeliveryChannel, DeliveryPolicy
from bot_v2.monitoring.alerts.dispatcher import AlertDispatcher
from bot_v2.monitoring.alerts.journal_tap import AlertingStore
from bot_v2.monitoring.alerts.metrics import AlertStatsCollector
from bot_v2.monitoring.alerts.service import AlertService
from bot_v2.monitoring.alerts.stream_watch import StreamWatch
from bot_v2.orchestration.config.models import BotConfig, Secrets
from bot_v2.orchestration.runtime.liquidation_alarm import LiquidationAlarm
from bot_v2.ports.monitor import IMonitor
from bot_v2.ports.notifier import Severity
from bot_v2.ports.quote_stream import IQuoteStream
from bot_v2.ports.state_store import IStateStore


def alerts(
    config: BotConfig,
    secrets: Secrets,
    monitor: IMonitor,
    stream: IQuoteStream,
    user_stream: StreamingService | None,
) -> AlertService | None:
    """None without notifiers: then nothing is wrapped, started or imported."""
    a = config.alerts
    if not a.notifiers:
        return None
    from bot_v2.adapters.notifiers.registry import NOTIFIERS
    from bot_v2.adapters.notifiers.settings import NotifierSettings

    settings = NotifierSettings(
        webhook_url=secrets.webhook_url,
        slack_webhook_url=secrets.slack_webhook_url,
        telegram_bot_token=secrets.telegram_bot_token,
        telegram_chat_id=secrets.telegram_chat_id,
        discord_webhook_url=secrets.discord_webhook_url,
        telegram_api_url=a.telegram_api_url,
        timeout_s=float(a.timeout_s),
        source=f"{config.bot.id} ({config.profile})",
    )
    policy = DeliveryPolicy(
        rate_per_min=a.rate_limit_per_min,
        max_attempts=a.max_attempts,
        backoff_s=float(a.backoff_s),
        backoff_max_s=float(a.backoff_max_s),
        queue_size=a.queue_size,
    )
    channels = [DeliveryChannel(NOTIFIERS[name](settings), policy) for name in a.notifiers]
    dispatcher = AlertDispatcher(
        channels,
        min_severity=Severity(a.min_severity),
        dedup_window_s=float(a.dedup_window_s),
    )
    dispatcher.publish_to(lambda status: monitor.set_detail("alerts", status))
    registry = getattr(monitor, "registry", None)
    if registry is not None:
        registry.register(AlertStatsCollector(dispatcher))
    streams = [(s.name, s.stats) for s in (stream, user_stream) if isinstance(s, StreamingService)]
    watch = StreamWatch(streams, dispatcher, float(a.stream_down_after_s)) if streams else None
    service = AlertService(dispatcher, watch)
    service.start()
    return service


def journaled(store: IStateStore, service: AlertService | None, config: BotConfig) -> IStateStore:
    """The store itself without alerts; with them, the store with its journal tapped."""
    if service is None:
        return store
    tap = AlertingStore(store, service.dispatcher, daily_summary=config.alerts.daily_summary)
    return cast(IStateStore, tap)


def liquidation_alarm(
    config: BotConfig, ledger: Ledger, risk_context: RiskContextSource, store: IStateStore
) -> LiquidationAlarm | None:
    """None when alerts.liquidation_distance_pct is 0. Built with or without notifiers: the journal
    event shows on the console's events page either way."""
    threshold = config.alerts.liquidation_distance_pct
    if threshold <= 0:
        return None
    return LiquidationAlarm(
        ledger=ledger,
        risk_context=risk_context,
        store=store,
        threshold=threshold,
        maintenance_margin_rate=config.protections.maintenance_margin_rate,
    )
