"""The exchange keeps its next step (the first instant something may happen) while the account is
unchanged, and looks further ahead once quiet time goes on, so quiet calls cost a comparison. Proof
that this changes nothing: the same random calls against an exchange that looks afresh, only up to
each call's time, on every turn of its loop (what `advance` did before steps were kept) give the
same events, the same stops and the same state, on one symbol or two, cross or isolated; and so
does an exchange that steps through every candle (lookahead.EveryCandle)."""

from __future__ import annotations

from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.adapters.brokers.sim.book import BookView, Step
from bot_v2.adapters.brokers.sim.exchange import SimExchange
from bot_v2.adapters.brokers.sim.lookahead import EveryCandle, SkipQuiet
from bot_v2.adapters.brokers.sim.settings import MarginMode, SimSettings
from bot_v2.adapters.replay.csv_files import FundingPoint
from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries
from bot_v2.domain.errors import BrokerError
from bot_v2.domain.orders import OrderRequest, OrderType, Side, TimeInForce
from tests.unit.sim._support import SPEC, SYMBOL, T0, H, bars, feed, market, walk

ETH = "ETH/USDT:USDT"
CANDLES = 60


class LooksAfresh(SkipQuiet):
    """Every turn of `advance`'s loop looks from the clock up to the call's time, nothing kept."""

    def next_step(self, book: BookView, now_ms: int) -> Step:
        assert book.clock_ms is not None
        return self._look(book, book.clock_ms, now_ms)


def _series(symbol: str, moves: list[int], wiggles: list[int], every: int) -> SymbolSeries:
    funding = [FundingPoint(T0 + k * H, Decimal("0.001")) for k in range(every, CANDLES, every)]
    return SymbolSeries(symbol, bars(walk(moves, wiggles), symbol=symbol, volume=20), (), funding)


paths = st.tuples(
    st.lists(st.integers(-80, 80), min_size=CANDLES, max_size=CANDLES),
    st.lists(st.integers(0, 40), min_size=CANDLES, max_size=CANDLES),
)
actions = st.lists(
    st.one_of(
        # (kind, symbol, side, size in hundredths, price offset in tenths of a percent, reduce)
        st.tuples(
            st.just("market"),
            st.integers(0, 1),
            st.sampled_from(list(Side)),
            st.integers(1, 300),
            st.just(0),
            st.booleans(),
        ),
        st.tuples(
            st.just("limit"),
            st.integers(0, 1),
            st.sampled_from(list(Side)),
            st.integers(1, 300),
            st.integers(-60, 60),
            st.booleans(),
        ),
        st.tuples(st.just("cancel"), st.integers(0, 1), st.just(Side.BUY), st.integers(0, 9)),
        # A stop-market `offset` tenths of a percent away (close-position when `reduce`).
        st.tuples(
            st.just("stop"),
            st.integers(0, 1),
            st.sampled_from(list(Side)),
            st.integers(1, 300),
            st.integers(1, 60),
            st.booleans(),
        ),
        # (kind, candles to pass, stop before a change): quiet stretches, one call or many.
        *[st.tuples(st.just("wait"), st.integers(1, 12), st.booleans())] * 3,
    ),
    min_size=5,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(
    btc=paths,
    eth=paths,
    two=st.booleans(),
    every=st.sampled_from([1, 3, 8]),
    modes=st.tuples(st.sampled_from(list(MarginMode)), st.sampled_from(list(MarginMode))),
    leverage=st.integers(1, 60),
    script=actions,
)
def test_kept_steps_change_nothing(
    btc: tuple[list[int], list[int]],
    eth: tuple[list[int], list[int]],
    two: bool,
    every: int,
    modes: tuple[MarginMode, MarginMode],
    leverage: int,
    script: list[tuple[object, ...]],
) -> None:
    symbols = [SYMBOL, ETH] if two else [SYMBOL]
    series = {SYMBOL: _series(SYMBOL, *btc, every), ETH: _series(ETH, *eth, every)}
    replay = ReplayFeed({s: series[s] for s in symbols}, H)
    sim = SimSettings(initial_balance=Decimal(3000), volume_share=Decimal("0.3"))
    markets = {s: attrs.evolve(SPEC, symbol=s) for s in symbols}
    kept = SimExchange(replay.series, markets, sim, look_ahead=SkipQuiet())
    fresh = SimExchange(replay.series, markets, sim, look_ahead=LooksAfresh())
    every = SimExchange(replay.series, markets, sim, look_ahead=EveryCandle())
    exchanges = (kept, fresh, every)
    now = T0 + H
    for ex in exchanges:
        ex.advance(T0)
        for symbol, mode in zip(symbols, modes, strict=False):
            ex.set_margin_mode(symbol, mode, now)
            ex.set_leverage(symbol, Decimal(leverage), now)

    def both(call: str, *args: object) -> None:
        outcomes = []
        for ex in exchanges:
            try:
                outcomes.append(getattr(ex, call)(*args))
            except BrokerError as exc:
                outcomes.append(repr(exc))
        assert outcomes[0] == outcomes[1] == outcomes[2]
        assert kept.state == fresh.state == every.state

    for n, action in enumerate(script):
        kind = action[0]
        if kind == "wait":
            _, candles, stop = action
            assert isinstance(candles, int)
            now = min(now + candles * H, T0 + CANDLES * H)
            both("advance", now, stop)
            # A fast backtest's cycle runs where it stopped: the bot's time is that candle's.
            now = max(now, kept.clock_ms or now)
            continue
        symbol = symbols[int(action[1]) % len(symbols)]  # type: ignore[call-overload]
        if kind == "cancel":
            open_orders = kept.open_orders([symbol])
            if open_orders:
                pick = open_orders[int(action[3]) % len(open_orders)]  # type: ignore[call-overload]
                both("cancel", symbol, pick.client_order_id, now)
            continue
        _, _, side, hundredths, offset, reduce_only = action
        assert isinstance(side, Side) and isinstance(hundredths, int)
        assert isinstance(offset, int) and isinstance(reduce_only, bool)
        size = Decimal(hundredths) / 100
        if kind == "market":
            request = attrs.evolve(
                market(f"o-{n}", side, str(size), reduce_only=reduce_only), symbol=symbol
            )
        elif kind == "stop":
            both("advance", now, False)
            away = Decimal(offset if side is Side.BUY else -offset) / 1000
            trigger = (kept.mark(symbol) * (1 + away)).quantize(Decimal("0.1"))
            stop = OrderRequest(
                f"o-{n}",
                symbol,
                side,
                OrderType.STOP_MARKET,
                size,
                reduce_only=True,
                trigger_price=trigger,
                close_position=reduce_only,
            )
            both("place_conditional", stop, now)
            continue
        else:
            both("advance", now, False)
            price = (kept.mark(symbol) * (1 + Decimal(offset) / 1000)).quantize(Decimal("0.1"))
            if price <= 0:
                continue
            request = OrderRequest(
                f"o-{n}",
                symbol,
                side,
                OrderType.LIMIT,
                size,
                price,
                reduce_only=reduce_only,
                time_in_force=TimeInForce.GTC,
            )
        both("submit", request, now)
    both("advance", T0 + CANDLES * H, False)


def test_quiet_calls_reuse_one_look_until_the_account_changes() -> None:
    rows = [(100.0, 101.0, 99.0, 100.0)] * 3000
    look_ahead = SkipQuiet()
    ex = SimExchange(feed(bars(rows)).series, {SYMBOL: SPEC}, SimSettings(), look_ahead=look_ahead)
    ex.advance(T0)
    ex.submit(market("a", Side.BUY, "1"), T0 + H)
    looks: list[tuple[int, int]] = []
    original = look_ahead._look

    def counted(book: BookView, after_ms: int, until_ms: int, ahead_ms: int = 0) -> Step:
        looks.append((after_ms, ahead_ms // H))
        return original(book, after_ms, until_ms, ahead_ms)

    look_ahead._look = counted  # type: ignore[method-assign]
    for k in range(2, 2000):
        ex.advance(T0 + k * H)
    # One look up to the call, then each reaching twice as far ahead, up to 1024 candles.
    assert [ahead for _, ahead in looks] == [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
    ex.submit(market("b", Side.SELL, "1"), T0 + 2000 * H)  # the account changed: look again
    ex.advance(T0 + 2001 * H)
    assert looks[-1] == (T0 + 2000 * H, 0)
