"""The simulated exchange's state file is a promise to every file already on disk: bodies written by
the hand-written record code (before the shared record converter) load into the same state, and the
state is written as exactly those bodies. Every record round-trips through JSON."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot_v2.adapters.brokers.sim.events import Liquidated
from bot_v2.adapters.brokers.sim.exchange import Changes
from bot_v2.adapters.brokers.sim.persistence import SimStateFile
from bot_v2.adapters.brokers.sim.records import (
    account_record,
    fill_record,
    funding_record,
    liquidation_record,
    order_record,
    state_from,
)
from bot_v2.adapters.brokers.sim.settings import MarginMode
from bot_v2.adapters.brokers.sim.state import ExchangeState, OrderState, PositionState
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import OrderStatus, OrderType, Side, TimeInForce, TriggerPrice
from tests.unit.storage._support import (
    BTC,
    ETH,
    RECORDED_FILL,
    RECORDED_FUNDING,
    exact,
    fills,
    money,
    payments,
    stamps,
    texts,
)

D = Decimal

# Bodies as the earlier code wrote them (printed from main's sim/state.py, dumped with sorted keys).
OLD_ACCOUNT = (
    '{"clock_ms":1700000000000,"fill_seq":1,"leverage":{"BTC/USDT:USDT":"3"},"margin_mode":'
    '{"BTC/USDT:USDT":"isolated"},"order_seq":7,"positions":{"BTC/USDT:USDT":["-0.004",'
    '"65000.1","0"]},"wallet":"10000.5"}'
)
OLD_ORDER = (
    '{"client_order_id":"bot-BTC-1","created_ms":1700000000000,"exchange_order_id":"sim-7",'
    '"filled":"0.004","filled_value":"260.0004","post_only":false,"price":"6.5E+4",'
    '"reduce_only":true,"side":"sell","size":"0.010","status":"partially_filled",'
    '"symbol":"BTC/USDT:USDT","time_in_force":"GTC","type":"limit","updated_ms":1700000000500}'
)
OLD_FILL = (
    '{"client_order_id":"bot-BTC-1","exchange_order_id":"x-7","fee":"-0.013","fill_id":"f-1",'
    '"is_maker":true,"liquidation":false,"price":"65000.10","side":"buy","size":"0.004",'
    '"symbol":"BTC/USDT:USDT","timestamp_ms":1700000000500}'
)
OLD_FUNDING = (
    '{"amount":"0.45","mark_price":"3000","position_size":"-1.5","rate":"-0.0001",'
    '"symbol":"ETH/USDT:USDT","timestamp_ms":1700003600000}'
)
OLD_LIQUIDATION = (
    '{"fee":"52.509375","fill_id":"liq-3","margin_mode":"cross","price":"2800.5","size":"1.5",'
    '"symbol":"ETH/USDT:USDT","timestamp_ms":1700007200000}'
)

ORDER = OrderState(
    "bot-BTC-1",
    "sim-7",
    BTC,
    Side.SELL,
    OrderType.LIMIT,
    D("0.010"),
    D("6.5E+4"),
    True,
    TimeInForce.GTC,
    False,
    1700000000000,
    D("0.004"),
    D("260.0004"),
    OrderStatus.PARTIALLY_FILLED,
    1700000000500,
)
FILL = RECORDED_FILL
FUNDING = RECORDED_FUNDING
LIQUIDATION = Liquidated(
    ETH, 1700007200000, D("1.5"), D("2800.5"), D("52.509375"), "cross", "liq-3"
)
STATE = ExchangeState(
    wallet=D("10000.5"),
    clock_ms=1700000000000,
    positions={BTC: PositionState(D("-0.004"), D("65000.1"), D("0"))},
    leverage={BTC: D("3")},
    margin_mode={BTC: MarginMode.ISOLATED},
    orders={"bot-BTC-1": ORDER},
    fills=[FILL],
    funding=[FUNDING],
    liquidations=[LIQUIDATION],
    order_seq=7,
    fill_seq=1,
)


def test_a_file_written_by_the_old_record_code_loads_the_same_state(tmp_path: Path) -> None:
    path = tmp_path / "exchange.db"
    fresh = SimStateFile(path)  # the tables, as every build creates them
    assert fresh.open() is None
    fresh.close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('account', ?)", (OLD_ACCOUNT,))
    db.execute("INSERT INTO orders VALUES ('bot-BTC-1', 7, ?)", (OLD_ORDER,))
    db.execute("INSERT INTO fills (body) VALUES (?)", (OLD_FILL,))
    db.execute("INSERT INTO funding (body) VALUES (?)", (OLD_FUNDING,))
    db.execute("INSERT INTO liquidations (body) VALUES (?)", (OLD_LIQUIDATION,))
    db.close()
    state_file = SimStateFile(path)
    try:
        assert exact(state_file.open()) == exact(STATE)
    finally:
        state_file.close()


def test_the_state_is_written_as_the_old_bodies(tmp_path: Path) -> None:
    state_file = SimStateFile(tmp_path / "exchange.db")
    state_file.open()
    changes = Changes(account_record(STATE), [ORDER], [FILL], [FUNDING], [LIQUIDATION])
    state_file.save(changes)
    state_file.close()
    db = sqlite3.connect(tmp_path / "exchange.db")
    bodies = [
        db.execute("SELECT value FROM meta WHERE key='account'").fetchone()[0],
        *(
            db.execute(f"SELECT body FROM {t}").fetchone()[0]
            for t in ("orders", "fills", "funding", "liquidations")
        ),
    ]
    db.close()
    assert bodies == [OLD_ACCOUNT, OLD_ORDER, OLD_FILL, OLD_FUNDING, OLD_LIQUIDATION]


# -- round trips through JSON, as the file stores them ------------------------------------------


ACCOUNT = json.loads(OLD_ACCOUNT)


def via_json(record: object) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(json.dumps(record))
    return loaded


orders = st.builds(
    OrderState,
    texts,
    st.integers(min_value=0, max_value=10**9).map(lambda n: f"sim-{n}"),
    texts,
    st.sampled_from(Side),
    st.sampled_from(OrderType),
    money,
    st.none() | money,
    st.booleans(),
    st.sampled_from(TimeInForce),
    st.booleans(),
    stamps,
    money,
    money,
    st.sampled_from(OrderStatus),
    stamps,
    trigger_price=st.none() | money,
    trigger_by=st.sampled_from(TriggerPrice),
    close_position=st.booleans(),
    triggered_ms=st.none() | stamps,
)
liquidations = st.builds(
    Liquidated, texts, stamps, money, money, money, st.sampled_from(["cross", "isolated"]), texts
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(orders)
def test_orders_round_trip(order: OrderState) -> None:
    assert exact(state_from(ACCOUNT, [via_json(order_record(order))], [], [], []).orders) == exact(
        {order.client_order_id: order}
    )


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(fills)
def test_fills_round_trip(fill: Fill) -> None:
    assert exact(state_from(ACCOUNT, [], [via_json(fill_record(fill))], [], []).fills) == exact(
        [fill]
    )


@given(payments)
def test_funding_round_trips(payment: FundingPayment) -> None:
    back = state_from(ACCOUNT, [], [], [via_json(funding_record(payment))], []).funding
    assert exact(back) == exact([payment])


@given(liquidations)
def test_liquidations_round_trip(event: Liquidated) -> None:
    back = state_from(ACCOUNT, [], [], [], [via_json(liquidation_record(event))]).liquidations
    assert exact(back) == exact([event])


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.builds(
        ExchangeState,
        money,
        st.none() | stamps,
        st.dictionaries(texts, st.builds(PositionState, money, money, money), max_size=2),
        st.dictionaries(texts, money, max_size=2),
        st.dictionaries(texts, st.sampled_from(MarginMode), max_size=2),
        order_seq=stamps,
        fill_seq=stamps,
    )
)
def test_the_account_round_trips(state: ExchangeState) -> None:
    assert exact(state_from(via_json(account_record(state)), [], [], [], [])) == exact(state)
