"""How a ccxt client reaches a loopback venue, two ways:

- `session`: keep ccxt's real https URLs and pass `venue.client_session()` (hostnames resolve to
  the loopback TLS port). ccxt behaves exactly as in production, URL-scoped error tables included.
- `urls`: `ccxt_config_for(venue_id, venue.url)` rewrites every API URL of the venue to the plain
  HTTP loopback address. Works from a config file (a subprocess bot); ccxt's URL-scoped error
  tables no longer apply, which the broker's venue error codes cover.
"""

from __future__ import annotations

from typing import Any

# Always disable ccxt's client-side throttle against loopback venues: tests must not wait on it.
TEST_DEFAULTS: dict[str, Any] = {"enableRateLimit": False, "timeout": 2_000}


def loopback_urls(exchange_id: str, base_url: str) -> dict[str, Any]:
    """ccxt's `urls` override sending every API of `exchange_id` to `base_url`."""
    import ccxt  # type: ignore[import-untyped]

    described = getattr(ccxt, exchange_id)().describe()
    api = described["urls"]["api"]
    if isinstance(api, str):
        return {"api": base_url}
    rewritten = {}
    for name, url in api.items():
        if not isinstance(url, str):
            continue
        # https://fapi.binance.com/fapi/v1 -> http://127.0.0.1:PORT/fapi/v1
        path = url.split("://", 1)[1]
        path = path[path.index("/") :] if "/" in path else ""
        rewritten[name] = base_url.rstrip("/") + path
    return {"api": rewritten}


def ccxt_config_for(exchange_id: str, base_url: str, **extra: Any) -> dict[str, Any]:
    """A complete `broker.ccxt_config` for the URL-override way."""
    config = dict(TEST_DEFAULTS)
    config["urls"] = loopback_urls(exchange_id, base_url)
    config.update(extra)
    return config
