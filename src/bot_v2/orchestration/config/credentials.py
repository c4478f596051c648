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
    )


# Shorter "secrets" are placeholders, and redacting them would mangle unrelated text.
_MIN_REDACTED = 4


def redact(text: str, secrets: Secrets) -> str:
    """Defence in depth: a secret pasted into a config value must not come back out in an error
    line or in `config show`."""
    for value in (secrets.api_key, secrets.api_secret, secrets.api_password):
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
