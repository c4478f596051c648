"""[alerts]: validated with the path in every error, secrets from the environment only (required
for the notifiers that are on, never shown), and the notifier names the same as the registry's."""

from __future__ import annotations

import pytest

from bot_v2.adapters.notifiers.registry import NOTIFIERS
from bot_v2.domain.errors import ConfigError
from bot_v2.orchestration.config import render_config_show, require_secrets
from bot_v2.orchestration.config.validation import NOTIFIER_NAMES

from ._support import errors, load

ALERT_ENV = {
    "PERPS_WEBHOOK_URL": "https://hooks.example/LEAKCHECK-WEBHOOK-11aa",
    "PERPS_SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T1/B1/LEAKCHECK-SLACK-22bb",
    "PERPS_TELEGRAM_BOT_TOKEN": "123:LEAKCHECK-TELEGRAM-33cc",
    "PERPS_TELEGRAM_CHAT_ID": "-100777",
    "PERPS_DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/1/LEAKCHECK-DISCORD-44dd",
}
ALL = 'alerts.notifiers=["webhook", "slack", "telegram", "discord"]'


def test_the_validation_knows_every_registered_notifier() -> None:
    assert set(NOTIFIER_NAMES) == set(NOTIFIERS)


def test_alerts_keys_load_and_are_checked_with_their_path() -> None:
    loaded = load(overrides=[ALL, "alerts.min_severity=warning", "alerts.dedup_window_s=0"])
    assert loaded.config.alerts.notifiers == ("webhook", "slack", "telegram", "discord")
    assert (
        load(overrides=["alerts.liquidation_distance_pct=0"]).config.alerts.liquidation_distance_pct
        == 0
    )
    assert errors(overrides=["alerts.liquidation_distance_pct=-0.1"]) == [
        "config.alerts.liquidation_distance_pct: must be >= 0, got -0.1"
    ]
    lines = errors(
        overrides=[
            'alerts.notifiers=["slack", "pager", "slack"]',
            "alerts.min_severity=loud",
            "alerts.rate_limit_per_min=0",
            "alerts.backoff_s=5",
            "alerts.backoff_max_s=1",
            "alerts.telegram_api_url=ftp://x",
            "alerts.liquidation_distance_pct=1",
        ]
    )
    assert sorted(lines) == sorted(
        [
            "config.alerts.notifiers[1]: must be one of webhook, slack, telegram, discord, got 'pager'",
            "config.alerts.notifiers[2]: repeats alerts.notifiers[0], got 'slack'",
            "config.alerts.min_severity: must be one of info, warning, critical, got 'loud'",
            "config.alerts.rate_limit_per_min: must be >= 1, got 0",
            "config.alerts.backoff_max_s: must be >= alerts.backoff_s (5), got 1",
            "config.alerts.telegram_api_url: must be an http:// or https:// URL, got 'ftp://x'",
            "config.alerts.liquidation_distance_pct: must be < 1, got 1",
        ]
    )


def test_a_notifier_that_is_on_needs_its_environment_variables() -> None:
    with pytest.raises(ConfigError) as caught:
        require_secrets(load(overrides=['alerts.notifiers=["slack", "telegram"]']))
    assert caught.value.lines == [
        "secrets: alerts.notifiers has slack, which needs PERPS_SLACK_WEBHOOK_URL in the environment",
        "secrets: alerts.notifiers has telegram, which needs PERPS_TELEGRAM_BOT_TOKEN in the environment",
        "secrets: alerts.notifiers has telegram, which needs PERPS_TELEGRAM_CHAT_ID in the environment",
    ]
    require_secrets(load(env=ALERT_ENV, overrides=[ALL]))


def test_a_webhook_url_that_is_no_url_is_refused_without_echoing_it() -> None:
    env = {"PERPS_DISCORD_WEBHOOK_URL": "LEAKCHECK-not-a-url"}
    with pytest.raises(ConfigError) as caught:
        require_secrets(load(env=env, overrides=['alerts.notifiers=["discord"]']))
    assert caught.value.lines == [
        "secrets: PERPS_DISCORD_WEBHOOK_URL must be an http:// or https:// URL"
    ]


def test_config_show_never_shows_an_alert_secret_even_pasted_elsewhere() -> None:
    slack = ALERT_ENV["PERPS_SLACK_WEBHOOK_URL"]
    shown = render_config_show(load(env=ALERT_ENV, overrides=[ALL, f"bot.id={slack}"]))
    for variable, value in ALERT_ENV.items():
        if variable != "PERPS_TELEGRAM_CHAT_ID":
            assert value not in shown
    assert '# slack_webhook_url = "***"  # PERPS_SLACK_WEBHOOK_URL is set' in shown
    assert 'id = "***"  # --set' in shown
    assert '# telegram_chat_id = "***"  # PERPS_TELEGRAM_CHAT_ID is set' in shown
