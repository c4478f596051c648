"""One-shot views of the account for operators: `account snapshot` and `orders preview`. Both open
the configured broker, read, and close it again; neither sends an order."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal

import attrs

from bot_v2.adapters.storage.sqlite.meta_reader import read_meta
from bot_v2.domain.account import Balance, FeeRates, PositionReport
from bot_v2.domain.orders import Order, OrderType, Side
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.preview import OrderPreview, preview_order
from bot_v2.features.live_trade.protection import Settings
from bot_v2.features.live_trade.protection.preview import describe, protection_after
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.state import RiskState
from bot_v2.features.live_trade.risk.state_keeper import META_KEY, decode
from bot_v2.orchestration import run_factories
from bot_v2.orchestration.config import resolve_data_dir
from bot_v2.orchestration.container import Container
from bot_v2.orchestration.factories import state_path
from bot_v2.orchestration.protection_wiring import protections
from bot_v2.orchestration.runtime.lifecycle import risk_limits
from bot_v2.ports.broker import IBroker
from bot_v2.ports.fees import IFeeSource


@attrs.frozen
class AccountSnapshot:
    exchange: str
    balance: Balance
    positions: tuple[PositionReport, ...]
    open_orders: tuple[Order, ...]
    leverage: dict[str, Decimal | None]
    margin_mode: dict[str, str | None]
    # Empty where the venue does not report this account's fee rates.
    fees: dict[str, FeeRates]


@asynccontextmanager
async def opened_broker(container: Container) -> AsyncIterator[IBroker]:
    broker: IBroker = container.broker()
    try:
        # Inside the try: a start refused halfway (hedge mode, bad keys) still closes the session.
        await broker.start()
        yield broker
    finally:
        await broker.close()


async def account_snapshot(container: Container) -> AccountSnapshot:
    config = container.config()
    symbols = config.bot.symbols
    async with opened_broker(container) as broker:
        await broker.load_markets(symbols)
        balance = await broker.fetch_balance()
        positions = tuple(await broker.fetch_positions(symbols))
        orders = tuple(await broker.fetch_open_orders(symbols))
        fees = await broker.fetch_fee_rates(symbols) if isinstance(broker, IFeeSource) else {}
    by_symbol = {p.symbol: p for p in positions}
    exchange = config.broker.exchange if config.broker.kind == "ccxt" else "sim"
    return AccountSnapshot(
        exchange,
        balance,
        positions,
        orders,
        leverage={s: p.leverage if (p := by_symbol.get(s)) else None for s in symbols},
        margin_mode={s: p.margin_mode if (p := by_symbol.get(s)) else None for s in symbols},
        fees=fees,
    )


async def order_preview(
    container: Container,
    *,
    symbol: str,
    side: Side,
    order_type: OrderType,
    size: Decimal,
    price: Decimal | None,
    reduce_only: bool,
) -> OrderPreview:
    config = container.config()
    symbols: Sequence[str] = tuple(dict.fromkeys((*config.bot.symbols, symbol)))
    async with opened_broker(container) as broker:
        markets = await broker.load_markets(symbols)
        balance = await broker.fetch_balance()
        reports = await broker.fetch_positions(symbols)
        marks = {
            m.symbol: m.price for m in await container.market_data_source().fetch_marks(symbols)
        }
        funding = await preview_funding_rates(container, symbols)
    positions = {r.symbol: Position(r.symbol, r.size, r.entry_price) for r in reports}
    unrealized = sum((r.unrealized_pnl for r in reports), Decimal(0))
    # The protections as the stored risk state holds them (halt, breaker, cooldowns), read-only.
    stored = stored_risk_state(container)
    # A live venue's pauses run on the wall clock; a replay's on its own time, which a preview has
    # not started: there, whatever is stored counts as in force.
    now_ms = int(time.time() * 1000) if config.broker.kind == "ccxt" else 0
    breaker = stored.guards.breaker
    ctx = RiskContext(
        equity=balance.total + unrealized,
        positions=positions,
        marks=marks,
        # A preview cannot know today's start-of-day equity; the daily-loss rule shows as it
        # would at the start of a day.
        day_pnl=Decimal(0),
        kill_switch=config.risk.kill_switch or bool(stored.kill_switch),
        reduce_only=config.risk.reduce_only or bool(stored.reduce_only),
        day_halt=stored.day_halt,
        protections=protections(config),
        drawdown_halt=stored.guards.halt,
        entry_pause=breaker.reason if breaker.paused(now_ms) else "",
        cooldowns=stored.guards.cooling(now_ms),
        funding_rates=funding,
    )
    preview = preview_order(
        client_order_id="preview",
        symbol=symbol,
        side=side,
        order_type=order_type,
        size=size,
        price=price,
        reduce_only=reduce_only,
        spec=markets[symbol],
        ctx=ctx,
        limits=risk_limits(config),
    )
    fill_price = preview.request.price if preview.request is not None else None
    fill_price = fill_price or marks.get(symbol)
    if preview.request is None or fill_price is None:
        return preview
    protection = protection_after(
        preview.request,
        positions.get(symbol) or Position(symbol),
        fill_price,
        run_factories.exit_planner(config, markets),
        markets[symbol],
        Settings(bot_id=config.bot.id),
        container.clock().now_ms(),
    )
    return attrs.evolve(preview, protection=tuple(describe(r) for r in protection))


async def preview_funding_rates(container: Container, symbols: Sequence[str]) -> dict[str, Decimal]:
    """The rates the funding guard would judge by (as the run's RiskContextSource asks them); an
    unreachable source leaves them unknown, as a cycle's first failed ask would."""
    try:
        return await container.funding_rates().next_funding_rates(symbols)
    except Exception:  # a preview never fails on the funding rate: the guard passes without one
        return {}


def stored_risk_state(container: Container) -> RiskState:
    """The data directory's stored risk state, or a fresh one where none is stored (or readable:
    a preview never fails on it; the bot itself refuses an unreadable state at start)."""
    text = read_meta(state_path(resolve_data_dir(container.config())), META_KEY)
    if text is None:
        return RiskState()
    try:
        return decode(text)
    except (ValueError, TypeError, KeyError, ArithmeticError):
        return RiskState()
