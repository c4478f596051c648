"""Secrets come from the environment only, never from a file, and are checked only when something is
about to use them (so `config show` works on a laptop without keys)."""

from __future__ import annotations

from collections.abc import Mapping

from bot_v2.domain.errors import ConfigError
from bot_v2.orchestration.config.loaded import LoadedConfig
from bot_v2.orchestration.config.models import Secrets


def read_secrets(env: Mapping[str, str]) -> Secrets:
    return Secrets(
        api_key=env.get("PERPS_API_KEY", ""),
        api_secret=env.get("PERPS_API_SECRET", ""),
        api_password=env.get("PERPS_API_PASSWORD", ""),
        webhook_url=env.get("PERPS_WEBHOOK_URL", ""),
        slack_webhook_url=env.get("PERPS_SLACK_WEBHOOK_URL", ""),
        telegram_bot_token=env.get("PERPS_TELEGRAM_BOT_TOKEN", ""),
        telegram_chat_id=env.get("PERPS_TELEGRAM_CHAT_ID", ""),
        discord_webhook_url=env.get("PERPS_DISCORD_WEBHOOK_URL", ""),
    )


# What each notifier needs from the environment: (variable, Secrets field, is a URL).
NOTIFIER_SECRETS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "webhook": (("PERPS_WEBHOOK_URL", "webhook_url", True),),
    "slack": (("PERPS_SLACK_WEBHOOK_URL", "slack_webhook_url", True),),
    "telegram": (
        ("PERPS_TELEGRAM_BOT_TOKEN", "telegram_bot_token", False),
        ("PERPS_TELEGRAM_CHAT_ID", "telegram_chat_id", False),
    ),
    "discord": (("PERPS_DISCORD_WEBHOOK_URL", "discord_webhook_url", True),),
}


# Shorter "secrets" are placeholders, and redacting them would mangle unrelated text.
_MIN_REDACTED = 4


def redact(text: str, secrets: Secrets) -> str:
    """Defence in depth: a secret pasted into a config value must not come back out in an error
    line or in `config show`."""
    for value in sorted(secrets.redacted, key=len, reverse=True):
        if len(value) >= _MIN_REDACTED:
            text = text.replace(value, "***")
    return text


def require_secrets(loaded: LoadedConfig) -> None:
    """Raise ConfigError when the broker is a real exchange and the key or secret is missing."""
    config = loaded.config
    if config.broker.kind == "paper" and (loaded.secrets.api_key or loaded.secrets.api_secret):
        # Refused rather than ignored: keys beside a paper bot are a mistake about which bot runs.
        raise ConfigError(
            [
                "secrets: profile paper sends no signed request and takes no keys; unset "
                "PERPS_API_KEY and PERPS_API_SECRET"
            ]
        )
    if config.broker.kind == "ccxt" and not loaded.secrets.present:
        raise ConfigError(
            [
                f"secrets: profile {config.profile} needs PERPS_API_KEY and PERPS_API_SECRET in the environment"
            ]
        )
    problems = notifier_secret_problems(config.alerts.notifiers, loaded.secrets)
    if problems:
        raise ConfigError(problems)


def notifier_secret_problems(notifiers: tuple[str, ...], secrets: Secrets) -> list[str]:
    """One line per variable a chosen notifier lacks or that is no http(s) URL; never its value."""
    problems = []
    for name in notifiers:
        for variable, field, is_url in NOTIFIER_SECRETS.get(name, ()):
            value = getattr(secrets, field)
            if not value:
                problems.append(
                    f"secrets: alerts.notifiers has {name}, which needs {variable} in the environment"
                )
            elif is_url and not value.startswith(("https://", "http://")):
                problems.append(f"secrets: {variable} must be an http:// or https:// URL")
    return problems
