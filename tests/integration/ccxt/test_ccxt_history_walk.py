"""Properties of the history walk and the funding-size derivation, against a fake venue with
Binance's (oldest-first) or Bybit's (newest-first) paging."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot_v2.adapters.brokers.ccxt import history
from bot_v2.adapters.venues.binanceusdm.profile import PROFILE as BINANCEUSDM
from bot_v2.adapters.venues.bybit.profile import PROFILE as BYBIT
from bot_v2.adapters.venues.profile import VenueProfile
from bot_v2.domain.errors import BrokerError

NOW = 1_700_000_000_000
DAY_MS = 86_400_000


def _fake_pages(rows: list[dict[str, Any]], order: str, calls: list[tuple[int, int]]) -> Any:
    async def fetch_page(low: int, high: int, limit: int) -> list[dict[str, Any]]:
        assert high - low < 7 * DAY_MS  # the venue's span limit holds on every request
        calls.append((low, high))
        inside = sorted((r for r in rows if low <= r["timestamp"] <= high), key=lambda r: r["id"])
        inside.sort(key=lambda r: r["timestamp"], reverse=order == "desc")
        return inside[:limit]

    return fetch_page


def _rows(offsets: list[int]) -> list[dict[str, Any]]:
    return [{"id": f"r{i}", "timestamp": NOW - off} for i, off in enumerate(offsets)]


@settings(max_examples=150, deadline=None)
@given(
    offsets=st.lists(st.integers(0, 30 * DAY_MS), max_size=60),
    clustered=st.lists(st.integers(0, 3), max_size=60),
    since_days=st.integers(0, 40),
    page=st.integers(4, 9),
    venue=st.sampled_from([BINANCEUSDM, BYBIT]),
)
def test_walk_returns_every_row_once_oldest_first(
    offsets: list[int], clustered: list[int], since_days: int, page: int, venue: VenueProfile
) -> None:
    # Duplicated, day-aligned copies make rows share milliseconds.
    offsets = offsets + [o // DAY_MS * DAY_MS for o in offsets[: len(clustered)]]
    rows = _rows(offsets)
    profile = attrs.evolve(venue, history_page_limit=page)
    since = NOW - since_days * DAY_MS
    calls: list[tuple[int, int]] = []
    if max(Counter(r["timestamp"] for r in rows).values(), default=0) >= page:
        return  # covered by the refusal test below
    got = asyncio.run(
        history.walk(_fake_pages(rows, profile.history_order, calls), profile, since, NOW, "t")
    )
    expected = sorted(
        (r for r in rows if since <= r["timestamp"] <= NOW), key=lambda r: r["timestamp"]
    )
    assert sorted(r["id"] for r in got) == sorted(r["id"] for r in expected)
    assert [r["timestamp"] for r in got] == [r["timestamp"] for r in expected]


@pytest.mark.parametrize("venue", [BINANCEUSDM, BYBIT], ids=["asc", "desc"])
def test_a_full_page_inside_one_millisecond_is_refused_not_skipped(venue: VenueProfile) -> None:
    rows = _rows([5_000] * 6 + [1_000])
    profile = attrs.evolve(venue, history_page_limit=5)
    with pytest.raises(BrokerError, match="more than 5 rows within one millisecond"):
        asyncio.run(history.walk(_fake_pages(rows, venue.history_order, []), profile, 0, NOW, "t"))


@settings(max_examples=200, deadline=None)
@given(
    steps=st.integers(1, 100_000),
    sign=st.sampled_from([1, -1]),
    mark=st.decimals(Decimal("0.01"), Decimal(200_000), places=2),
    rate=st.decimals(Decimal("-0.003"), Decimal("0.003"), places=6).filter(lambda r: r != 0),
)
def test_the_position_size_behind_a_funding_payment_is_recovered(
    steps: int, sign: int, mark: Decimal, rate: Decimal
) -> None:
    step = Decimal("0.001")
    size = sign * steps * step
    # The venue reports the amount rounded to 8 places, as Binance does.
    amount = (-size * mark * rate).quantize(Decimal("0.00000001"))
    raw = {"timestamp": NOW, "amount": float(amount), "info": {}}
    payment = history.funding_payment("BTC/USDT:USDT", raw, [(NOW, rate, mark)], step, BINANCEUSDM)
    assert payment.amount == amount
    assert (payment.rate, payment.mark_price) == (rate, mark)
    # Recoverable whenever the rounding of `amount` is smaller than half a step's worth of funding.
    if abs(step * mark * rate) > Decimal("0.00000002"):
        assert payment.position_size == size
