"""Building the ccxt constructor config: our defaults, then the venue profile's, then the user's
`broker.ccxt_config`, then what nobody may override (credentials, the redacting logger)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot_v2.adapters.brokers.ccxt.redact import RedactingLogger
from bot_v2.adapters.venues.profile import VenueProfile
from bot_v2.domain.errors import ConfigError

if TYPE_CHECKING:
    import aiohttp

BASE_DEFAULTS: Mapping[str, Any] = {"enableRateLimit": True, "timeout": 10_000}
# Credentials come from the environment only, never from a config file that may be committed.
CREDENTIAL_KEYS = ("apiKey", "secret", "password", "uid", "privateKey", "walletAddress", "token")


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def check_user_config(user: Mapping[str, Any]) -> None:
    problems = [
        f"config.broker.ccxt_config.{key}: credentials come from the environment, not the config"
        for key in CREDENTIAL_KEYS
        if key in user
    ]
    if user.get("verbose"):
        problems.append(
            "config.broker.ccxt_config.verbose: ccxt's verbose mode prints request headers, API key "
            "included; use DEBUG logging instead (it is redacted)"
        )
    if problems:
        raise ConfigError(problems)


def build_ccxt_config(
    venue: VenueProfile,
    user: Mapping[str, Any] | None,
    *,
    api_key: str,
    api_secret: str,
    api_password: str,
    logger: RedactingLogger,
    session: aiohttp.ClientSession | None,
) -> dict[str, Any]:
    user = dict(user or {})
    check_user_config(user)
    config = deep_merge(deep_merge(BASE_DEFAULTS, venue.ccxt_defaults), user)
    config.update(
        {
            "apiKey": api_key,
            "secret": api_secret,
            "password": api_password,
            "logger": logger,
            "verbose": False,
        }
    )
    if session is not None:
        config["session"] = session
        # ccxt sleeps this long on close so its own TLS sockets can drain; a session we own
        # is closed by its owner, so there is nothing to wait for.
        config.setdefault("timeout_on_exit", 0)
    return config
