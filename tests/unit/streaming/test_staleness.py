from __future__ import annotations

from decimal import Decimal

import pytest

from bot_v2.domain.market import Mark
from bot_v2.features.streaming import StalenessGuard

BTC, ETH, SOL = "BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"


def test_old_and_missing_marks_block_entries_but_never_reductions() -> None:
    guard = StalenessGuard(Decimal(30))
    now = 1_000_000
    latest = {
        BTC: Mark(BTC, Decimal(50000), now - 29_000),
        ETH: Mark(ETH, Decimal(3000), now - 31_000),
    }
    report = guard.assess((BTC, ETH, SOL), latest, now)

    assert not report.ok
    assert report.allows_entry(BTC)
    assert not report.allows_entry(ETH) and not report.allows_entry(SOL)
    assert all(report.allows_reduce(s) for s in (BTC, ETH, SOL))
    assert report.stale == {
        ETH: "last mark 31.0s old > 30s",
        SOL: "no mark received yet",
    }
    assert report.reason == f"{ETH}: last mark 31.0s old > 30s; {SOL}: no mark received yet"


def test_exactly_at_the_limit_is_still_fresh_and_a_clock_ahead_counts_as_zero_age() -> None:
    guard = StalenessGuard(30)
    now = 1_000_000
    latest = {
        BTC: Mark(BTC, Decimal(1), now - 30_000),
        ETH: Mark(ETH, Decimal(1), now + 5_000),
    }
    assert guard.assess((BTC, ETH), latest, now).ok


def test_ages_can_be_given_directly() -> None:
    report = StalenessGuard(0.5).assess_ages({BTC: 0.4, ETH: 0.6, SOL: None})
    assert set(report.stale) == {ETH, SOL}
    assert StalenessGuard(1).assess_ages({}).reason == ""


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        StalenessGuard(0)
