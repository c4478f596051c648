"""An alert as the plain text a chat shows: severity and title on the first line, then the detail."""

from __future__ import annotations

from datetime import UTC, datetime

from bot_v2.ports.notifier import Alert


def plain_text(alert: Alert, source: str, limit: int) -> str:
    when = datetime.fromtimestamp(alert.at_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = f"[{alert.severity.value.upper()}] {source}: {alert.title}"
    text = f"{head}\n{alert.text}\n{when}" if alert.text else f"{head}\n{when}"
    # Chats refuse a message over their limit (Discord 2000, Telegram 4096 characters).
    return text if len(text) <= limit else text[: limit - 1] + "…"


def iso_time(at_ms: int) -> str:
    return datetime.fromtimestamp(at_ms / 1000, UTC).isoformat(timespec="milliseconds")
