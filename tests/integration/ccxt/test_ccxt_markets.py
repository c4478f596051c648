"""Market rules through the real ccxt client: MarketSpec values equal the bundled exchangeInfo and
leverage brackets the loopback venues serve; symbols a venue does not offer as a linear swap fail
with one clear InvalidSymbol line."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from decimal import Decimal

import pytest
from ccxt_harness import BTC, ETH, market, venue_and_broker
from tests.loopback import data

from bot_v2.domain.errors import AuthenticationFailed, ConfigError, InvalidOrder, InvalidSymbol
from bot_v2.domain.orders import Side


def _exchange_info_filters(venue_symbol: str) -> dict[str, dict[str, str]]:
    raw = next(s for s in data.exchange_info()["symbols"] if s["symbol"] == venue_symbol)
    return {f["filterType"]: f for f in raw["filters"]}


@pytest.mark.parametrize("venue_id", ["binanceusdm", "bybit"])
@pytest.mark.parametrize("access", ["session", "urls"])
def test_market_specs_match_the_served_exchange_info(venue_id: str, access: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id, access=access) as (_, broker):  # type: ignore[arg-type]
            specs = await broker.load_markets(["btcusdt", ETH])
        assert list(specs) == [BTC, ETH]
        brackets = data.leverage_brackets()
        for symbol, venue_symbol in ((BTC, "BTCUSDT"), (ETH, "ETHUSDT")):
            spec = specs[symbol]
            filters = _exchange_info_filters(venue_symbol)
            assert spec.tick_size == Decimal(filters["PRICE_FILTER"]["tickSize"])
            assert spec.step_size == Decimal(filters["LOT_SIZE"]["stepSize"])
            assert spec.min_size == Decimal(filters["LOT_SIZE"]["minQty"])
            assert spec.min_notional == Decimal(filters["MIN_NOTIONAL"]["notional"])
            assert spec.contract_size == 1
            raw = brackets[venue_symbol]
            assert spec.max_leverage == Decimal(raw[0]["initialLeverage"])
            assert len(spec.tiers) == len(raw)
            for tier, bracket in zip(spec.tiers, raw, strict=True):
                assert tier.min_notional == Decimal(bracket["notionalFloor"])
                assert tier.max_notional == Decimal(bracket["notionalCap"])
                assert tier.maintenance_margin_rate == Decimal(bracket["maintMarginRatio"])
                assert tier.max_leverage == Decimal(bracket["initialLeverage"])
                assert tier.maintenance_amount == Decimal(bracket["cum"])

    asyncio.run(run())


def test_binance_tick_sizes_are_the_real_2022_values() -> None:
    async def run() -> None:
        async with venue_and_broker("binanceusdm") as (_, broker):
            specs = await broker.load_markets([BTC, ETH])
        assert specs[BTC].tick_size == Decimal("0.1")
        assert specs[ETH].tick_size == Decimal("0.01")
        assert specs[BTC].min_notional == Decimal(10)

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", ["binanceusdm", "bybit", "okx"])
def test_unlisted_symbol_is_invalid(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id) as (_, broker):
            with pytest.raises(InvalidSymbol, match=r"DOGE/USDT:USDT is not listed"):
                await broker.load_markets([BTC, "DOGE/USDT:USDT"])

    asyncio.run(run())


def test_a_market_listed_but_not_as_a_linear_swap_is_invalid() -> None:
    async def run() -> None:
        extra = {"options": {"fetchMarkets": {"types": ["linear", "inverse"]}}}
        async with venue_and_broker("bybit", ccxt_extra=extra) as (_, broker):
            with pytest.raises(InvalidSymbol) as caught:
                await broker.load_markets(["BTC/USD:BTC"])
        assert str(caught.value) == (
            "bybit: BTC/USD:BTC is listed, but as an inverse swap, not a linear swap"
        )

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", ["binanceusdm", "bybit", "okx"])
def test_start_makes_only_the_calls_it_needs(venue_id: str) -> None:
    """Markets of the linear kind, one balance call; no currency list, no account-type probes."""

    async def run() -> list[str]:
        async with venue_and_broker(venue_id) as (venue, _):
            return [r.path for r in venue.requests]

    paths = asyncio.run(run())
    expected = {
        # The position mode is read once: the bot needs one-way mode.
        "binanceusdm": ["/fapi/v1/exchangeInfo", "/fapi/v3/account", "/fapi/v1/positionSide/dual"],
        # Bybit's ccxt asks for live and pre-launch instruments in parallel.
        "bybit": [
            "/v5/market/instruments-info",
            "/v5/market/instruments-info",
            "/v5/account/wallet-balance",
        ],
        "okx": ["/api/v5/public/instruments", "/api/v5/account/balance", "/api/v5/account/config"],
    }[venue_id]
    assert paths == expected


def test_start_refuses_a_binance_account_in_hedge_mode_and_starts_in_one_way_mode() -> None:
    async def run() -> None:
        async with venue_and_broker("binanceusdm", start=False) as (venue, broker):
            venue.faults.set_hedge_mode()
            with pytest.raises(ConfigError) as refused:
                await broker.start()
            # What the refusal guards against: hedge mode wants positionSide on every order.
            with pytest.raises(InvalidOrder, match="position side"):
                await broker.submit_order(market("mode1", Side.BUY, "0.01"))
            venue.faults.set_hedge_mode(False)
            await broker.start()
            await broker.submit_order(market("mode2", Side.BUY, "0.01"))
            assert len(venue.recorded("/fapi/v1/positionSide/dual", method="GET")) == 2
            assert venue.recorded("/fapi/v1/positionSide/dual", method="POST") == []
        assert refused.value.lines == [
            "binanceusdm: account is in hedge position mode; perps-bot needs one-way (net) mode: "
            "switch it in Binance Futures (Preferences > Position Mode > One-way) "
            "or with POST /fapi/v1/positionSide/dual dualSidePosition=false"
        ]

    asyncio.run(run())


@pytest.mark.parametrize("venue_id", ["binanceusdm", "bybit", "okx"])
def test_start_with_a_wrong_key_fails_without_retrying(venue_id: str) -> None:
    async def run() -> None:
        async with venue_and_broker(venue_id, api_key="not-the-key-123", start=False) as (
            venue,
            broker,
        ):
            with pytest.raises(AuthenticationFailed):
                await broker.start()
            private = [r for r in venue.requests if "account" in r.path]
            assert len(private) == 1

    asyncio.run(run())


def test_importing_the_core_and_the_adapter_package_does_not_import_ccxt() -> None:
    code = (
        "import sys, json\n"
        "import bot_v2, bot_v2.ports, bot_v2.domain\n"
        "import bot_v2.adapters.brokers.sim\n"
        "import bot_v2.adapters.brokers.ccxt\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'ccxt')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout) == []
