"""Market rules for the simulated exchange. Every symbol trades on rules that came from somewhere,
in this order: a spec given in the config (`[markets."XRP/USDT:USDT"]`), a venue snapshot
`markets.json` beside the symbol's candle file, the bundled Binance exchangeInfo. A symbol with none
of them is refused at start rather than simulated on made-up tick and step sizes, and so is a
symbol the sim cannot settle (inverse or settled in another asset than the account's)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from bot_v2.adapters.replay.csv_files import resolve_path

# The snapshot beside downloaded data (`perps-bot data download` writes it).
from bot_v2.adapters.replay.market_snapshot import SNAPSHOT_KEYS, SNAPSHOT_NAME, read_snapshot
from bot_v2.domain.errors import ConfigError
from bot_v2.domain.market import LeverageTier, MarketSpec
from bot_v2.domain.symbols import venue_id

EXCHANGE_INFO = "bundled:metadata/binance_usdm_exchangeInfo_20220219_BTCUSDT_ETHUSDT.json"
LEVERAGE_TIERS = "bundled:metadata/binance_usdm_leverage_tiers_ccxt_20241024_BTC_ETH_XRP.json"


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


def _bundled(
    symbol: str, info: Mapping[str, Any], tiers: tuple[LeverageTier, ...]
) -> MarketSpec | None:
    raw = info.get(venue_id(symbol))
    if raw is None:
        return None
    f = _filters(raw)
    return MarketSpec(
        symbol=symbol,
        tick_size=Decimal(f["PRICE_FILTER"]["tickSize"]).normalize(),
        step_size=Decimal(f["LOT_SIZE"]["stepSize"]).normalize(),
        min_size=Decimal(f["LOT_SIZE"]["minQty"]).normalize(),
        min_notional=Decimal(f.get("MIN_NOTIONAL", {}).get("notional", "0")),
        max_leverage=tiers[0].max_leverage if tiers else Decimal(20),
        tiers=tiers,
    )


def _settlement_problem(symbol: str, quote_asset: str) -> str | None:
    quote, _, settle = symbol.partition("/")[2].partition(":")
    if quote == settle == quote_asset:
        return None
    return (
        f"config.bot.symbols: {symbol} is settled in {settle or '?'}; the simulated exchange settles "
        f"linear perpetuals quoted and settled in bot.quote_asset ({quote_asset}) only"
    )


def load_sim_markets(
    symbols: Sequence[str],
    quote_asset: str = "USDT",
    given: Mapping[str, MarketSpec] | None = None,
    beside: Mapping[str, Path] | None = None,
) -> dict[str, MarketSpec]:
    """Each symbol's rules (see the module docstring). `given` holds the config's specs, `beside`
    the candle file of each symbol (a snapshot is looked for in its directory)."""
    info = json.loads(resolve_path(EXCHANGE_INFO).read_text())
    by_id = {s["symbol"]: s for s in info["symbols"]}
    tiers = json.loads(resolve_path(LEVERAGE_TIERS).read_text())
    specs: dict[str, MarketSpec] = {}
    problems: list[str] = []
    for symbol in symbols:
        problem = _settlement_problem(symbol, quote_asset)
        if problem is not None:
            problems.append(problem)
            continue
        symbol_tiers = _tiers(tiers.get(symbol, []))
        spec = (given or {}).get(symbol) or _snapshot(symbol, (beside or {}).get(symbol))
        if spec is not None:
            specs[symbol] = attrs.evolve(spec, symbol=symbol, tiers=spec.tiers or symbol_tiers)
            continue
        spec = _bundled(symbol, by_id, symbol_tiers)
        if spec is None:
            problems.append(
                f"config.markets: no exchange rules for {symbol}; give them in the config as "
                f'[markets."{symbol}"] {", ".join(f"{k} = ..." for k in SNAPSHOT_KEYS)}, or put '
                f"a venue snapshot {SNAPSHOT_NAME} beside its candle file (docs/backtesting.md)"
            )
            continue
        specs[symbol] = spec
    if problems:
        raise ConfigError(problems)
    return specs


def _snapshot(symbol: str, candle_file: Path | None) -> MarketSpec | None:
    if candle_file is None:
        return None
    path = candle_file.parent / SNAPSHOT_NAME
    if not path.is_file():
        return None
    return read_snapshot(path).get(symbol)
