"""Small markets for the sim exchange tests: candles from a list of prices, a settable clock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from bot_v2.adapters.brokers.sim.book import LookAhead
from bot_v2.adapters.brokers.sim.exchange import SimExchange
from bot_v2.adapters.brokers.sim.lookahead import SkipQuiet
from bot_v2.adapters.brokers.sim.settings import SimSettings
from bot_v2.adapters.replay.csv_files import FundingPoint, MarkPoint
from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries
from bot_v2.domain.market import Candle, LeverageTier, MarketSpec
from bot_v2.domain.orders import OrderRequest, OrderType, Side, TimeInForce

SYMBOL = "BTC/USDT:USDT"
H = 3_600_000
T0 = 1_704_067_200_000  # 2024-01-01

TIERS = (
    LeverageTier(Decimal(0), Decimal(50000), Decimal("0.004"), Decimal(125), Decimal(0)),
    LeverageTier(Decimal(50000), Decimal(600000), Decimal("0.005"), Decimal(100), Decimal(50)),
    LeverageTier(Decimal(600000), Decimal(3000000), Decimal("0.0065"), Decimal(75), Decimal(950)),
)
SPEC = MarketSpec(
    symbol=SYMBOL,
    tick_size=Decimal("0.1"),
    step_size=Decimal("0.001"),
    min_size=Decimal("0.001"),
    min_notional=Decimal(5),
    max_leverage=Decimal(125),
    tiers=TIERS,
)


class Clock:
    def __init__(self, now_ms: int = T0) -> None:
        self.now = now_ms

    def now_ms(self) -> int:
        return self.now

    async def wait_next(self) -> bool:
        return False

    def progress(self) -> float | None:
        return None


def walk(moves: Sequence[int], wiggles: Sequence[int]) -> list[tuple[float, float, float, float]]:
    """(open, high, low, close) rows of a walk from 1000: each close moves by `move` per mille
    (never below 10), each range reaches `wiggle` per mille beyond open and close."""
    rows = []
    price = 1000.0
    for move, wiggle in zip(moves, wiggles, strict=True):
        close = round(max(price * (1 + move / 1000), 10.0), 1)
        high = round(max(price, close) * (1 + wiggle / 1000), 1)
        low = round(min(price, close) * (1 - wiggle / 1000), 1)
        rows.append((price, high, low, close))
        price = close
    return rows


def bars(
    rows: Sequence[tuple[float, float, float, float] | float],
    symbol: str = SYMBOL,
    volume: float = 1000,
    start_ms: int = T0,
) -> list[Candle]:
    """Candles from (open, high, low, close) rows or plain prices (flat candles)."""
    out = []
    for i, row in enumerate(rows):
        o, h, lo, c = (row, row, row, row) if isinstance(row, int | float) else row
        out.append(
            Candle(
                symbol,
                H,
                start_ms + i * H,
                Decimal(repr(float(o))),
                Decimal(repr(float(h))),
                Decimal(repr(float(lo))),
                Decimal(repr(float(c))),
                Decimal(repr(float(volume))),
            )
        )
    return out


def feed(
    candles: Sequence[Candle],
    funding: Sequence[tuple[int, str]] = (),
    marks: Sequence[MarkPoint] = (),
    symbol: str = SYMBOL,
) -> ReplayFeed:
    points = [FundingPoint(ts, Decimal(rate)) for ts, rate in funding]
    return ReplayFeed({symbol: SymbolSeries(symbol, candles, marks, points)}, H)


def exchange(
    replay: ReplayFeed,
    settings: SimSettings | None = None,
    spec: MarketSpec = SPEC,
    look_ahead: Callable[[], LookAhead] = SkipQuiet,
) -> SimExchange:
    markets = {s: _respec(spec, s) for s in replay.series}
    return SimExchange(replay.series, markets, settings or SimSettings(), look_ahead=look_ahead())


def _respec(spec: MarketSpec, symbol: str) -> MarketSpec:
    from attrs import evolve

    return evolve(spec, symbol=symbol)


def market(coid: str, side: Side, size: str, reduce_only: bool = False) -> OrderRequest:
    return OrderRequest(
        coid, SYMBOL, side, OrderType.MARKET, Decimal(size), reduce_only=reduce_only
    )


def limit(
    coid: str,
    side: Side,
    size: str,
    price: str,
    tif: TimeInForce = TimeInForce.GTC,
    post_only: bool = False,
    reduce_only: bool = False,
) -> OrderRequest:
    return OrderRequest(
        coid,
        SYMBOL,
        side,
        OrderType.LIMIT,
        Decimal(size),
        Decimal(price),
        reduce_only=reduce_only,
        time_in_force=tif,
        post_only=post_only,
    )


NO_COSTS = SimSettings(
    taker_fee=Decimal(0), maker_fee=Decimal(0), spread_bps=Decimal(0), slippage=Decimal(0)
)
