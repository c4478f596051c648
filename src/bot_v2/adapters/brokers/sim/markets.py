"""Market rules for the simulated exchange, from the bundled Binance exchangeInfo and leverage tiers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from bot_v2.adapters.replay.csv_files import resolve_path
from bot_v2.domain.market import LeverageTier, MarketSpec
from bot_v2.domain.symbols import venue_id

EXCHANGE_INFO = "bundled:metadata/binance_usdm_exchangeInfo_20220219_BTCUSDT_ETHUSDT.json"
LEVERAGE_TIERS = "bundled:metadata/binance_usdm_leverage_tiers_ccxt_20241024_BTC_ETH_XRP.json"

# Symbols without a bundled spec (synthetic benchmarks, extra test symbols) get these rules.
DEFAULT_SPEC = MarketSpec(
    symbol="",
    tick_size=Decimal("0.0001"),
    step_size=Decimal("0.001"),
    min_size=Decimal("0.001"),
    min_notional=Decimal(5),
    max_leverage=Decimal(20),
)


def _filters(symbol_info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["filterType"]: f for f in symbol_info.get("filters", [])}


def _tiers(raw: list[dict[str, Any]]) -> tuple[LeverageTier, ...]:
    return tuple(
        LeverageTier(
            min_notional=Decimal(t["info"]["notionalFloor"]),
            max_notional=Decimal(t["info"]["notionalCap"]),
            maintenance_margin_rate=Decimal(t["info"]["maintMarginRatio"]),
            max_leverage=Decimal(t["info"]["initialLeverage"]),
            maintenance_amount=Decimal(t["info"]["cum"]),
        )
        for t in raw
    )


def load_sim_markets(symbols: Sequence[str]) -> dict[str, MarketSpec]:
    info = json.loads(resolve_path(EXCHANGE_INFO).read_text())
    tiers = json.loads(resolve_path(LEVERAGE_TIERS).read_text())
    by_id = {s["symbol"]: s for s in info["symbols"]}
    specs: dict[str, MarketSpec] = {}
    for symbol in symbols:
        symbol_tiers = _tiers(tiers.get(symbol, []))
        raw = by_id.get(venue_id(symbol))
        if raw is None:
            specs[symbol] = MarketSpec(
                symbol=symbol,
                tick_size=DEFAULT_SPEC.tick_size,
                step_size=DEFAULT_SPEC.step_size,
                min_size=DEFAULT_SPEC.min_size,
                min_notional=DEFAULT_SPEC.min_notional,
                max_leverage=DEFAULT_SPEC.max_leverage,
                tiers=symbol_tiers,
            )
            continue
        f = _filters(raw)
        specs[symbol] = MarketSpec(
            symbol=symbol,
            tick_size=Decimal(f["PRICE_FILTER"]["tickSize"]).normalize(),
            step_size=Decimal(f["LOT_SIZE"]["stepSize"]).normalize(),
            min_size=Decimal(f["LOT_SIZE"]["minQty"]).normalize(),
            min_notional=Decimal(f.get("MIN_NOTIONAL", {}).get("notional", "0")),
            max_leverage=symbol_tiers[0].max_leverage if symbol_tiers else Decimal(20),
            tiers=symbol_tiers,
        )
    return specs
