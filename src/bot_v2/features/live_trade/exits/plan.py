"""`open_exit_state` when an entry fills and `plan_exits` every cycle after: pure functions from a
position, its stored `ExitState` and the market to the next `ExitState` and the `ExitPlan` the
venue (stop, take-profit rungs) and the bot (time, end of day) carry out.

The stop is the most favourable of the stop already planned, the trailing stop and the break-even
stop, so it only ever moves in the position's favour; ties keep the stop already planned (no order
churn). Take-profit rungs, time and end of day are in ladder.py and below."""

from __future__ import annotations

from decimal import Decimal

import attrs

from bot_v2.domain.market import MarketSpec
from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.features.live_trade.exits.ladder import ladder
from bot_v2.features.live_trade.exits.prices import (
    PricesSeen,
    better,
    distance,
    favourable,
    reached,
    stop_at,
)
from bot_v2.features.live_trade.exits.settings import ExitSettings, StopMode, next_flatten_ms
from bot_v2.features.live_trade.exits.values import ExitKind, ExitPlan, ExitState


def open_exit_state(
    settings: ExitSettings,
    position: Position,
    market: MarketSpec,
    atr: Decimal | None,
    now_ms: int,
) -> ExitState:
    """The exit state of a position that was just opened (flat before): its stop-loss placed from
    the entry price (with the ATR known now, in atr mode), and a trailing stop from entry when it
    needs no activation."""
    side = _side(position)
    fresh = ExitState(
        symbol=position.symbol,
        side=side,
        entry_price=position.entry_price,
        opened_at_ms=now_ms,
        best_price=position.entry_price,
        entry_size=abs(position.size),
    )
    return _with_stop(settings, fresh, market, atr, initial=True)


def plan_exits(
    settings: ExitSettings,
    state: ExitState,
    position: Position,
    market: MarketSpec,
    seen: PricesSeen,
    atr: Decimal | None,
    now_ms: int,
) -> tuple[ExitState, ExitPlan]:
    """The next exit state and what the position should have now. `seen` is what the price did
    since the last plan (a closed candle's range, or a mark); `atr` the latest average true range
    (None while it warms up). Store the state before placing what the plan asks."""
    side = _side(position)
    if position.symbol != state.symbol or side is not state.side:
        raise ValueError(
            f"exit state of a {state.side.value} {state.symbol} planned for a {side.value} "
            f"{position.symbol}: a new position needs open_exit_state"
        )
    state = _grown(settings, state, position, market, atr)
    if better(side, favourable(side, seen), state.best_price):
        state = attrs.evolve(state, best_price=favourable(side, seen))
    best = state.best_price
    after = settings.break_even_after_pct
    if not state.break_even_armed and after > 0 and reached(side, state.entry_price, best, after):
        state = attrs.evolve(state, break_even_armed=True)
    state = _with_stop(settings, state, market, atr, initial=False)
    rungs, used_up = ladder(
        side,
        state.entry_price,
        state.entry_size,
        abs(position.size),
        settings.take_profit_distances,
        settings.take_profit_fractions,
        market,
    )
    state = attrs.evolve(state, rungs_filled=max(state.rungs_filled, used_up))
    close_now = None
    if state.closing is None:
        close_now = _bot_side_exit(settings, state, now_ms)
        if close_now is not None:
            state = attrs.evolve(state, closing=close_now)
    return state, ExitPlan(state.stop_price, state.stop_kind, rungs, close_now)


def _side(position: Position) -> Side:
    side = position.side
    if side is None:
        raise ValueError(f"{position.symbol} is flat: a flat position has no exits")
    return side


def _grown(
    settings: ExitSettings,
    state: ExitState,
    position: Position,
    market: MarketSpec,
    atr: Decimal | None,
) -> ExitState:
    """An entry filled in parts: the ladder counts from the larger size and the averaged entry,
    and the stop-loss from that entry is taken if it is the more favourable one."""
    size = abs(position.size)
    if size <= state.entry_size:
        return state
    grown = attrs.evolve(state, entry_size=size, entry_price=position.entry_price)
    return _with_stop(settings, grown, market, atr, initial=True)


def _with_stop(
    settings: ExitSettings, state: ExitState, market: MarketSpec, atr: Decimal | None, initial: bool
) -> ExitState:
    side, tick = state.side, market.tick_size
    candidates: list[tuple[Decimal, ExitKind]] = []
    if initial and settings.stop_loss is not StopMode.OFF:
        away = distance(
            settings.stop_loss,
            settings.stop_loss_pct,
            settings.stop_loss_atr,
            atr,
            state.entry_price,
        )
        candidates.append((stop_at(side, state.entry_price, away, tick), ExitKind.STOP_LOSS))
    if settings.trailing is not StopMode.OFF and reached(
        side, state.entry_price, state.best_price, settings.trailing_activation_pct
    ):
        away = distance(
            settings.trailing, settings.trailing_pct, settings.trailing_atr, atr, state.best_price
        )
        candidates.append((stop_at(side, state.best_price, away, tick), ExitKind.TRAILING))
    if state.break_even_armed:
        # Entry plus the round trip's fees: a stop filled here loses nothing (docs/risk.md).
        at = stop_at(side, state.entry_price, -settings.break_even_fee_pct, tick)
        candidates.append((at, ExitKind.BREAK_EVEN))
    stop, kind = state.stop_price, state.stop_kind
    for price, why in candidates:
        if stop is None or better(side, price, stop):
            stop, kind = price, why
    return attrs.evolve(state, stop_price=stop, stop_kind=kind)


def _bot_side_exit(settings: ExitSettings, state: ExitState, now_ms: int) -> ExitKind | None:
    """TIME or END_OF_DAY once its instant has come (the earlier one when both have)."""
    due: list[tuple[int, ExitKind]] = []
    if settings.max_holding_ms is not None:
        due.append((state.opened_at_ms + settings.max_holding_ms, ExitKind.TIME))
    if settings.flatten_minute is not None:
        due.append(
            (next_flatten_ms(state.opened_at_ms, settings.flatten_minute), ExitKind.END_OF_DAY)
        )
    fired = sorted((at, kind.value, kind) for at, kind in due if at <= now_ms)
    return fired[0][2] if fired else None
