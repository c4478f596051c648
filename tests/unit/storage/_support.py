"""Builders for the storage tests: real SQLite files in tmp_path, domain values with defaults."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from hypothesis import strategies as st

from bot_v2.adapters.storage.sqlite.store import SqliteStateStore
from bot_v2.domain.fills import Fill, FundingPayment
from bot_v2.domain.orders import Order, OrderRequest, OrderStatus, OrderType, Side

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"

# A fill and a funding payment whose Decimals keep their own exponents ("65000.10", "-0.0001"): the
# values of the on-disk format tests (storage/test_row_format.py, sim/test_state_records.py).
RECORDED_FILL = Fill(
    "f-1",
    "bot-BTC-1",
    "x-7",
    BTC,
    Side.BUY,
    Decimal("0.004"),
    Decimal("65000.10"),
    Decimal("-0.013"),
    1700000000500,
    True,
)
RECORDED_FUNDING = FundingPayment(
    ETH, 1700003600000, Decimal("-0.0001"), Decimal("-1.5"), Decimal("3000"), Decimal("0.45")
)


def exact(value: object) -> str:
    """repr shows each Decimal's own text, so "0.010" and "0.01" differ (== would not see it)."""
    return repr(value)


def open_store(path: Path) -> SqliteStateStore:
    store = SqliteStateStore(path)
    store.open()
    return store


def request(coid: str, side: Side = Side.BUY, size: str = "1", symbol: str = BTC) -> OrderRequest:
    return OrderRequest(coid, symbol, side, OrderType.MARKET, Decimal(size))


def order(
    coid: str,
    status: OrderStatus = OrderStatus.FILLED,
    filled: str = "1",
    size: str = "1",
    side: Side = Side.BUY,
    symbol: str = BTC,
    ts: int = 1,
) -> Order:
    return Order(
        coid,
        f"x-{coid}",
        symbol,
        side,
        OrderType.MARKET,
        Decimal(size),
        Decimal(filled),
        status,
        average_price=Decimal(100),
        timestamp_ms=ts,
    )


def fill(
    fill_id: str,
    side: Side = Side.BUY,
    size: str = "1",
    price: str = "100",
    ts: int = 1,
    symbol: str = BTC,
    coid: str = "c1",
) -> Fill:
    return Fill(
        fill_id,
        coid,
        f"x-{coid}",
        symbol,
        side,
        Decimal(size),
        Decimal(price),
        Decimal("0.05"),
        ts,
    )


def funding(ts: int, amount: str = "-1.5", symbol: str = BTC) -> FundingPayment:
    return FundingPayment(symbol, ts, Decimal("0.0001"), Decimal(1), Decimal(100), Decimal(amount))


def digest(path: Path) -> str:
    """The bytes of the database and its WAL, to prove a refused open changed nothing."""
    h = hashlib.sha256()
    for suffix in ("", "-wal"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            h.update(part.read_bytes())
    return h.hexdigest()


def snapshot(directory: Path) -> dict[str, tuple[int, int, str]]:
    """Every file in the directory with its size, modification time and bytes: a refusal must
    leave all of them as they were, SQLite's -shm index and the lock file included."""
    return {
        p.name: (p.stat().st_size, p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


# Any finite Decimal with its own exponent, for round trips of stored values.
money = st.decimals(allow_nan=False, allow_infinity=False)
texts = st.text(max_size=12)
stamps = st.integers(min_value=0, max_value=2**62)
fills = st.builds(
    Fill,
    texts,
    texts,
    texts,
    texts,
    st.sampled_from(Side),
    money,
    money,
    money,
    stamps,
    st.booleans(),
    st.booleans(),
)
payments = st.builds(FundingPayment, texts, stamps, money, money, money, money)
