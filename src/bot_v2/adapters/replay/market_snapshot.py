"""A venue's market rules saved beside downloaded data (`markets.json`), in the one form written by
`perps-bot data download` and read by the simulated exchange:

    {"venue": ..., "fetched_at": ..., "markets": {symbol: {tick_size, step_size, min_size,
     min_notional, max_leverage[, contract_size][, tiers: [{min_notional, max_notional,
     maintenance_margin_rate, max_leverage, maintenance_amount}, ...]]}}}

Values are decimal strings. `tiers` is absent where the venue does not publish them without keys
(Binance); the simulated exchange then uses its bundled or default tiers."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bot_v2.domain.errors import DataError
from bot_v2.domain.market import LeverageTier, MarketSpec

SNAPSHOT_NAME = "markets.json"
SNAPSHOT_KEYS = ("tick_size", "step_size", "min_size", "min_notional", "max_leverage")
TIER_KEYS = (
    "min_notional",
    "max_notional",
    "maintenance_margin_rate",
    "max_leverage",
    "maintenance_amount",
)


def snapshot_entry(spec: MarketSpec) -> dict[str, Any]:
    entry: dict[str, Any] = {key: format(getattr(spec, key), "f") for key in SNAPSHOT_KEYS}
    entry["contract_size"] = format(spec.contract_size, "f")
    if spec.tiers:
        entry["tiers"] = [{k: format(getattr(t, k), "f") for k in TIER_KEYS} for t in spec.tiers]
    return entry


def _spec(symbol: str, e: dict[str, Any]) -> MarketSpec:
    tiers = tuple(
        LeverageTier(*(Decimal(str(t[k])) for k in TIER_KEYS)) for t in e.get("tiers") or []
    )
    return MarketSpec(
        symbol,
        *(Decimal(str(e[k])) for k in SNAPSHOT_KEYS[:4]),
        contract_size=Decimal(str(e.get("contract_size", 1))),
        max_leverage=Decimal(str(e["max_leverage"])),
        tiers=tiers,
    )


def read_snapshot(path: Path) -> dict[str, MarketSpec]:
    """The markets of a venue snapshot file; a bad file is refused with its name."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {symbol: _spec(symbol, e) for symbol, e in raw["markets"].items()}
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from None
    except (ValueError, KeyError, TypeError, AttributeError, InvalidOperation) as exc:
        raise DataError(
            f"{path}: not a market snapshot ({type(exc).__name__}: {exc}); expected "
            f'{{"markets": {{symbol: {{{", ".join(SNAPSHOT_KEYS)}}}}}}}'
        ) from None
