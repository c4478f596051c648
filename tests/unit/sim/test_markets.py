"""The simulated exchange trades only on exchange rules that came from somewhere: the config, a venue
snapshot beside the data, the bundled Binance metadata. Anything else is refused at start."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from bot_v2.adapters.brokers.sim.markets import load_sim_markets
from bot_v2.domain.errors import ConfigError, DataError
from bot_v2.domain.market import MarketSpec

XRP = "XRP/USDT:USDT"
XRP_RULES = MarketSpec(XRP, Decimal("0.0001"), Decimal("0.1"), Decimal("0.1"), Decimal(5),
                       max_leverage=Decimal(75))  # fmt: skip


def test_bundled_symbols_keep_binance_rules() -> None:
    specs = load_sim_markets(["BTC/USDT:USDT", "ETH/USDT:USDT"])
    assert specs["BTC/USDT:USDT"].step_size == Decimal("0.001")
    assert specs["ETH/USDT:USDT"].tick_size == Decimal("0.01")


def test_a_symbol_without_rules_is_refused_with_how_to_give_them() -> None:
    with pytest.raises(ConfigError) as caught:
        load_sim_markets([XRP, "DOGE/USDT:USDT"])
    assert len(caught.value.lines) == 2
    assert caught.value.lines[0].startswith(f"config.markets: no exchange rules for {XRP}; ")
    assert f'[markets."{XRP}"] tick_size = ...' in caught.value.lines[0]
    assert "markets.json beside its candle file" in caught.value.lines[0]


@pytest.mark.parametrize(
    ("symbol", "settle"),
    [("BTC/USD:BTC", "BTC"), ("SOL/USDC:USDC", "USDC"), ("ETH/USD:USDT", "USDT")],
)
def test_inverse_or_foreign_settlement_is_refused(symbol: str, settle: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_sim_markets([symbol], "USDT", {symbol: attrs_evolve(XRP_RULES, symbol)})
    assert caught.value.lines == [
        f"config.bot.symbols: {symbol} is settled in {settle}; the simulated exchange settles "
        "linear perpetuals quoted and settled in bot.quote_asset (USDT) only"
    ]


def attrs_evolve(spec: MarketSpec, symbol: str) -> MarketSpec:
    return MarketSpec(symbol, spec.tick_size, spec.step_size, spec.min_size, spec.min_notional,
                      max_leverage=spec.max_leverage)  # fmt: skip


def test_given_rules_are_used_with_the_bundled_leverage_brackets() -> None:
    spec = load_sim_markets([XRP], "USDT", {XRP: XRP_RULES})[XRP]
    assert (spec.step_size, spec.min_size, spec.tick_size) == (Decimal("0.1"),) * 2 + (
        Decimal("0.0001"),
    )
    assert len(spec.tiers) > 1  # Binance's XRP brackets, bundled


def test_a_venue_snapshot_beside_the_data(tmp_path: Path) -> None:
    candles = tmp_path / "XRPUSDT-5m.csv"
    keys = {"tick_size": "0.0001", "step_size": "0.1", "min_size": "0.1", "min_notional": "5",
            "max_leverage": "75"}  # fmt: skip
    snapshot = {
        "venue": "binanceusdm",
        "fetched_at": "2026-01-01T00:00:00Z",
        "markets": {XRP: keys},
    }
    (tmp_path / "markets.json").write_text(json.dumps(snapshot))
    spec = load_sim_markets([XRP], "USDT", {}, {XRP: candles})[XRP]
    assert spec.step_size == Decimal("0.1") and spec.max_leverage == 75
    (tmp_path / "markets.json").write_text('{"markets": {"XRP/USDT:USDT": {"tick_size": "1"}}}')
    with pytest.raises(DataError, match=r"markets\.json: not a market snapshot \(KeyError"):
        load_sim_markets([XRP], "USDT", {}, {XRP: candles})


def test_a_snapshot_written_by_data_download_gives_the_sim_the_venues_own_tiers(
    tmp_path: Path,
) -> None:
    from bot_v2.adapters.replay.market_snapshot import snapshot_entry
    from bot_v2.domain.market import LeverageTier

    tiers = (
        LeverageTier(Decimal(0), Decimal(10000), Decimal("0.01"), Decimal(50)),
        LeverageTier(Decimal(10000), Decimal(50000), Decimal("0.025"), Decimal(20), Decimal(150)),
    )
    written = MarketSpec(XRP, Decimal("0.0001"), Decimal("0.1"), Decimal("0.1"), Decimal(5),
                         max_leverage=Decimal(50), tiers=tiers)  # fmt: skip
    snapshot = {"venue": "bybit", "markets": {XRP: snapshot_entry(written)}}
    (tmp_path / "markets.json").write_text(json.dumps(snapshot))
    spec = load_sim_markets([XRP], "USDT", {}, {XRP: tmp_path / "XRP_USDT_USDT-1h.csv"})[XRP]
    assert spec == written  # not Binance's bundled XRP brackets
