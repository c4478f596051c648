"""[strategy.entry]: taker by default; bad values are refused one line each, naming the key; the
section becomes the maker desk's EntrySettings."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot_v2.features.live_trade.maker import EntrySettings
from bot_v2.orchestration.config.converter import runtime_value

from ._support import errors, load, write

AT = "config.strategy.entry"


@pytest.mark.parametrize("profile", ["dev", "canary", "prod"])
def test_entries_are_market_orders_unless_asked(profile: str) -> None:
    entry = runtime_value(load(profile).config.strategy.entry, EntrySettings)
    assert entry == EntrySettings() and not entry.maker


def test_the_section_becomes_entry_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[strategy.entry]\nkind = "maker"\nreprice_after_s = 30\nmax_reprices = 0\n'
        'fallback = "cancel"\n',
    )
    entry = runtime_value(load("dev", path).config.strategy.entry, EntrySettings)
    assert entry == EntrySettings("maker", Decimal(30), 0, "cancel")
    assert entry.maker and entry.reprice_after_ms == 30_000


@pytest.mark.parametrize(
    ("override", "line"),
    [
        ('strategy.entry.kind="limit"', f"{AT}.kind: must be one of taker, maker, got 'limit'"),
        (
            'strategy.entry.fallback="wait"',
            f"{AT}.fallback: must be one of market, cancel, got 'wait'",
        ),
        ("strategy.entry.max_reprices=-1", f"{AT}.max_reprices: must be >= 0"),
        ("strategy.entry.reprice_after_s=0", f"{AT}.reprice_after_s: must be >= 1"),
    ],
)
def test_bad_entries_are_one_line_naming_the_key(override: str, line: str) -> None:
    [problem] = errors("dev", overrides=[override])
    assert problem.startswith(line), problem
