import asyncio
from decimal import Decimal

import attrs

from bot_v2.domain.errors import ExchangeUnavailable, InsufficientFunds
from bot_v2.domain.orders import Side
from bot_v2.domain.positions import Position
from bot_v2.domain.risk import RiskLimits
from bot_v2.domain.signals import Action, Signal
from bot_v2.features.live_trade.client_ids import MAX_LENGTH, client_order_id
from bot_v2.features.live_trade.execution import ExecutionCoordinator, orders_for
from bot_v2.features.live_trade.risk.context import RiskContext
from bot_v2.features.live_trade.risk.pre_trade import PreTradeRisk
from tests.fakes.ports import FakeBroker, FakeStore, spec

BTC = "BTC/USDT:USDT"
LIMITS = RiskLimits(
    max_leverage=Decimal(5),
    max_order_notional=Decimal(5000),
    max_symbol_notional=Decimal(10000),
    max_total_notional=Decimal(20000),
    daily_loss_limit=Decimal(500),
)


def ctx(position: Decimal = Decimal(0), **changes: object) -> RiskContext:
    base = RiskContext(
        equity=Decimal(10000),
        positions={BTC: Position(BTC, position, Decimal(100))} if position else {},
        marks={BTC: Decimal(100)},
        day_pnl=Decimal(0),
        kill_switch=False,
        reduce_only=False,
    )
    return attrs.evolve(base, **changes)


def coordinator(store: FakeStore, broker: FakeBroker, first: int = 0) -> ExecutionCoordinator:
    return ExecutionCoordinator("bot", broker, store, PreTradeRisk(LIMITS), {BTC: spec()}, first)


def test_legs_for_open_close_and_flip() -> None:
    flat, long = Position(BTC), Position(BTC, Decimal(2), Decimal(100))
    assert orders_for(Signal(BTC, Action.OPEN_LONG), flat, Decimal(1)) == [
        (Side.BUY, Decimal(1), False)
    ]
    assert orders_for(Signal(BTC, Action.OPEN_LONG), long, Decimal(1)) == []
    assert orders_for(Signal(BTC, Action.CLOSE), long, Decimal(1)) == [
        (Side.SELL, Decimal(2), True)
    ]
    assert orders_for(Signal(BTC, Action.CLOSE), flat, Decimal(1)) == []
    assert orders_for(Signal(BTC, Action.OPEN_SHORT), long, Decimal(1)) == [
        (Side.SELL, Decimal(2), True),
        (Side.SELL, Decimal(1), False),
    ]
    assert orders_for(Signal(BTC, Action.HOLD), long, Decimal(1)) == []


def test_intent_is_committed_before_every_submit() -> None:
    store = FakeStore()
    broker = FakeBroker(store)
    ex = coordinator(store, broker)
    asyncio.run(ex.act(Signal(BTC, Action.OPEN_SHORT), Decimal("1.2345"), ctx(Decimal(2)), 1))
    assert broker.intent_committed_at_submit == [True, True]
    assert [r.client_order_id for r in broker.submitted] == ["bot-BTCUSDT-0", "bot-BTCUSDT-1"]
    assert broker.submitted[0].reduce_only and broker.submitted[0].size == Decimal(2)
    assert broker.submitted[1].size == Decimal("1.234")  # quantized down to the step
    assert set(store.orders) == {"bot-BTCUSDT-0", "bot-BTCUSDT-1"}


def test_risk_rejection_sends_nothing_and_records_why() -> None:
    store = FakeStore()
    broker = FakeBroker(store)
    ex = coordinator(store, broker)
    outcomes = asyncio.run(ex.act(Signal(BTC, Action.OPEN_LONG), Decimal(60), ctx(), 1))
    assert broker.submitted == [] and store.intents == []
    assert outcomes[0].rejected_by.startswith("risk: ")
    assert ex.rejections == 1
    assert store.events[0][1] == "risk_rejected"


def test_kill_switch_blocks_even_closing() -> None:
    store = FakeStore()
    broker = FakeBroker(store)
    ex = coordinator(store, broker)
    asyncio.run(ex.act(Signal(BTC, Action.CLOSE), Decimal(1), ctx(Decimal(1), kill_switch=True), 1))
    assert broker.submitted == []


def test_reduce_only_mode_still_closes() -> None:
    store = FakeStore()
    broker = FakeBroker(store)
    ex = coordinator(store, broker)
    outcomes = asyncio.run(
        ex.act(Signal(BTC, Action.OPEN_SHORT), Decimal(1), ctx(Decimal(1), reduce_only=True), 1)
    )
    assert [o.sent for o in outcomes] == [True, False]  # the close went out, the new short did not
    assert broker.submitted[0].reduce_only


def test_unknown_outcome_keeps_the_intent_pending() -> None:
    store = FakeStore()
    broker = FakeBroker(store)
    broker.fail_with = ExchangeUnavailable("timeout")
    ex = coordinator(store, broker)
    outcomes = asyncio.run(ex.act(Signal(BTC, Action.OPEN_LONG), Decimal(1), ctx(), 1))
    assert not outcomes[0].sent
    assert [i.client_order_id for i in store.intents] == ["bot-BTCUSDT-0"]
    assert store.orders == {}
    assert store.events[-1][1] == "submit_unknown"
    # The next decision never reuses the id of one whose fate is unknown.
    asyncio.run(ex.act(Signal(BTC, Action.OPEN_LONG), Decimal(1), ctx(), 2))
    assert broker.submitted[0].client_order_id == "bot-BTCUSDT-1"


def test_broker_rejection_is_recorded() -> None:
    store = FakeStore()
    broker = FakeBroker(store)
    broker.fail_with = InsufficientFunds("margin")
    ex = coordinator(store, broker)
    asyncio.run(ex.act(Signal(BTC, Action.OPEN_LONG), Decimal(1), ctx(), 1))
    assert store.events[-1][1] == "submit_rejected"


def test_sequence_resumes_from_the_store() -> None:
    store = FakeStore()
    broker = FakeBroker(store)
    ex = coordinator(store, broker, first=41)
    asyncio.run(ex.act(Signal(BTC, Action.OPEN_LONG), Decimal(1), ctx(), 1))
    assert broker.submitted[0].client_order_id == "bot-BTCUSDT-41"


def test_client_ids_are_deterministic_and_venue_safe() -> None:
    assert client_order_id("b", BTC, 7) == client_order_id("b", BTC, 7)
    long_id = client_order_id("a-very-long-bot-identifier-for-prod", BTC, 123456)
    assert len(long_id) <= MAX_LENGTH
    assert long_id != client_order_id("a-very-long-bot-identifier-for-prod", BTC, 123457)
    assert client_order_id("bot one!", BTC, 1) != client_order_id("bot one?", BTC, 1)


def test_client_ids_are_plain_only_in_ascii() -> None:
    assert client_order_id("bot_1.a", BTC, 7) == "bot_1.a-BTCUSDT-7"
    # Letters and digits beyond ASCII are refused by venues: such a bot's ids are hashed.
    assert client_order_id("bøt", BTC, 7).startswith("pb")
    assert client_order_id("bot²", BTC, 7).startswith("pb")
