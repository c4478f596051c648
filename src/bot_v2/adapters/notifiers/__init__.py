"""Notifiers: INotifier over httpx for a generic JSON webhook, Slack, Telegram and Discord. One file
per service; `registry.NOTIFIERS` names them (docs/alerts.md)."""
