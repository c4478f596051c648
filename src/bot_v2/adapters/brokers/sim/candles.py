"""What happens on a candle and at a funding time. In a candle, in this order:
1. conditional orders whose trigger the candle reached act (triggers.py, in its intrabar order),
   except those whose trigger lies beyond the liquidation price the mark reaches in that candle:
   a falling mark meets a long's stop above its liquidation price first, and the one below after
   the liquidation, which cancels it;
2. resting orders the price traded through fill at their price (maker, up to the candle's share of
   volume);
3. the position is liquidated if its mark reached the liquidation price (recomputed on the position
   as 1. and 2. left it);
4. triggers held back in 1. act if no liquidation came (2. changed the position).
Funding settles on the positions held at that instant. A mixin of SimExchange (exchange.py); which
instants it is applied at is the look-ahead's business."""

from __future__ import annotations

import bisect
from decimal import Decimal

from bot_v2.adapters.brokers.sim import pricing
from bot_v2.adapters.brokers.sim.events import FundingSettled, Liquidated, SimEvent
from bot_v2.adapters.brokers.sim.orders import _reduces
from bot_v2.adapters.brokers.sim.settings import MarginMode
from bot_v2.adapters.brokers.sim.state import OrderState
from bot_v2.adapters.brokers.sim.triggers import TriggerDesk
from bot_v2.domain.fills import FundingPayment
from bot_v2.domain.money import ZERO
from bot_v2.domain.orders import OrderStatus, Side


class CandleRules(TriggerDesk):
    _funding_ms: list[int]

    def _settle_funding(self, ts: int, events: list[SimEvent]) -> None:
        for symbol in self._symbols:
            position = self.state.positions.get(symbol)
            if position is None or position.size == 0:
                continue
            series = self._series[symbol]
            times = series.funding_times
            i = bisect.bisect_left(times, ts)
            if i >= len(times) or times[i] != ts:
                continue
            rate = series.funding[i].rate
            mark = series.mark_at(ts) or position.entry_price
            amount = -position.size * mark * rate
            self.state.wallet += amount
            if self.account.mode(symbol) is MarginMode.ISOLATED:
                position.margin += amount
            payment = FundingPayment(symbol, ts, rate, position.size, mark, amount)
            self.state.funding.append(payment)
            self._funding_ms.append(ts)
            events.append(FundingSettled(payment))
            self._touch(symbol)

    def _others_at(self, symbol: str, ts: int) -> tuple[Decimal, Decimal]:
        """Cross terms of the other positions, valued at their marks at `ts`."""

        def mark_of(other: str) -> Decimal:
            mark = self._series[other].mark_at(ts)
            return mark if mark is not None else self.state.positions[other].entry_price

        return self.account.cross_terms(mark_of, exclude=symbol)

    def _liquidation_trigger(self, symbol: str, k: int) -> Decimal | None:
        """The liquidation price if the mark reaches it during candle k."""
        position = self.state.positions.get(symbol)
        if position is None or position.size == 0:
            return None
        series = self._series[symbol]
        open_ms = int(series.columns.open_ms[k])
        terms = None
        if self.account.mode(symbol) is MarginMode.CROSS:
            terms = self._others_at(symbol, open_ms)
        lp = self.account.liquidation_price(symbol, self.mark, terms)
        if lp is None:
            return None
        if position.size > 0:
            return lp if series.mark_extreme(k, high=False) <= lp else None
        return lp if series.mark_extreme(k, high=True) >= lp else None

    def _crossing_orders(self, symbol: str, k: int) -> list[OrderState]:
        """Resting orders the price traded through in candle k, best price first."""
        columns = self._series[symbol].columns
        open_ms = int(columns.open_ms[k])
        low = columns.price("low", k)
        high = columns.price("high", k)
        buys = [
            o
            for o in self._open.get(symbol, [])
            if o.side is Side.BUY
            and _in_book_by(o) <= open_ms
            and o.price is not None
            and low < o.price
        ]
        sells = [
            o
            for o in self._open.get(symbol, [])
            if o.side is Side.SELL
            and _in_book_by(o) <= open_ms
            and o.price is not None
            and high > o.price
        ]
        buys.sort(key=lambda o: -(o.price or ZERO))
        sells.sort(key=lambda o: o.price or ZERO)
        return buys + sells

    def _would_change(self, symbol: str, k: int) -> bool:
        return (
            bool(self._crossing_orders(symbol, k))
            or self._liquidation_trigger(symbol, k) is not None
            or bool(self._triggered(symbol, k))
        )

    def _process_candle(self, symbol: str, k: int, events: list[SimEvent]) -> None:
        spec = self._markets[symbol]
        columns = self._series[symbol].columns
        ts = int(columns.close_ms[k])
        self.state.clock_ms = max(self.state.clock_ms or ts, ts)
        held_back: list[tuple[OrderState, bool]] = []
        for order, gapped in self._triggered(symbol, k):
            if self._beyond_liquidation(order, k):
                held_back.append((order, gapped))
            else:
                self._trigger(order, k, gapped, ts, events)
        budget = {
            Side.BUY: self._liquidity(symbol, k, spec),
            Side.SELL: self._liquidity(symbol, k, spec),
        }
        for order in self._crossing_orders(symbol, k):
            if order.reduce_only and not _reduces(self._position(symbol).size, order.side):
                self._close_order(order, OrderStatus.EXPIRED, events)
                continue
            qty = self._clip_reduce_only(order, min(order.remaining, budget[order.side]))
            if qty <= 0:
                continue
            budget[order.side] -= qty
            assert order.price is not None
            self._fill(order, qty, order.price, True, ts, events)
            self._record_order(order, events)
        lp = self._liquidation_trigger(symbol, k)
        if lp is not None:
            self._liquidate(symbol, lp, ts, events)
        for order, gapped in held_back:
            if order.status.is_open:  # else cancelled by the liquidation
                self._trigger(order, k, gapped, ts, events)

    def _beyond_liquidation(self, order: OrderState, k: int) -> bool:
        """Whether the mark reaches the position's liquidation price in candle k before the
        order's trigger: the trigger lies beyond it, seen from the position's side."""
        lp = self._liquidation_trigger(order.symbol, k)
        if lp is None:
            return False
        assert order.trigger_price is not None
        long = self.state.positions[order.symbol].size > 0
        return order.trigger_price < lp if long else order.trigger_price > lp

    def _liquidate(self, symbol: str, lp: Decimal, ts: int, events: list[SimEvent]) -> None:
        position = self.state.positions[symbol]
        spec = self._markets[symbol]
        side = Side.SELL if position.size > 0 else Side.BUY
        # On the tick against the trader: a long is sold at the tick at or below.
        price = pricing.on_tick(lp, spec.tick_size, side)
        if price <= 0:
            price = self._series[symbol].mark_at(ts) or position.entry_price
        qty = abs(position.size)
        mode = self.account.mode(symbol)
        # What is left of the margin after closing at that price pays the clearance fee, up to it.
        realized = (price - position.entry_price) * position.size
        if mode is MarginMode.ISOLATED:
            left = position.margin + realized
        else:
            upnl, _ = self._others_at(symbol, ts)
            left = self.account.cross_wallet() + upnl + realized
        fee = min(qty * price * self.settings.liquidation_fee, max(left, ZERO))
        # The liquidation engine cancels the symbol's orders first, conditional ones too.
        for order in list(self._open.get(symbol, [])) + list(self._conditional.get(symbol, [])):
            self._drop_conditional(order)
            self._close_order(order, OrderStatus.CANCELED, events)
        fill = self._fill(
            None,
            qty,
            price,
            False,
            ts,
            events,
            symbol=symbol,
            side=side,
            liquidation=True,
            fee_override=fee,
        )
        event = Liquidated(symbol, ts, qty, price, fee, mode.value, fill.fill_id)
        self.state.liquidations.append(event)
        events.append(event)


def _in_book_by(order: OrderState) -> int:
    """When a resting order entered the book: its placement, or a stop-limit's trigger."""
    return order.triggered_ms if order.triggered_ms is not None else order.created_ms
