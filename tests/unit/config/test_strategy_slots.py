"""[[strategies]]: several strategies in slots, each problem one line naming the slot."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot_v2.features.live_trade.strategies.pairs import PairsStrategy
from bot_v2.features.live_trade.strategies.portfolio import PerCandle, StrategyBook
from bot_v2.orchestration import factories

from ._support import errors, load, write

BOT = '[bot]\nsymbols = ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"]\n'


def slot(name: str, symbols: str, allocation: str, extra: str = "") -> str:
    return (
        f'\n[[strategies]]\nname = "{name}"\nsymbols = [{symbols}]\n'
        f"allocation = {allocation}\n{extra}"
    )


PAIR = '"BTC/USDT:USDT", "ETH/USDT:USDT"'


def test_slots_build_a_book_with_each_slots_strategy_and_share(tmp_path: Path) -> None:
    text = BOT + slot("pairs", PAIR, "0.6", "[strategies.params]\nwindow = 48\n")
    text += slot("momentum", '"sol/usdt:usdt"', "0.4", 'label = "sol-mom"\n')
    config = load(config_file=write(tmp_path, text)).config
    book = factories.strategy(config)
    assert isinstance(book, StrategyBook)
    pairs, mom = book.slots
    assert isinstance(pairs.strategy, PairsStrategy) and pairs.strategy.params.window == 48
    assert isinstance(mom.strategy, PerCandle) and mom.label == "sol-mom"
    # Symbols are normalized like bot.symbols.
    assert mom.symbols == ("SOL/USDT:USDT",)
    assert book.allocation("ETH/USDT:USDT") == Decimal("0.6")
    assert book.allocation("SOL/USDT:USDT") == Decimal("0.4")


@pytest.mark.parametrize(
    ("slots", "line"),
    [
        (
            slot("momentum", PAIR, "0.5") + slot("breakout", '"SOL/USDT:USDT"', "0"),
            "config.strategies[1].allocation: must be > 0 and <= 1, got 0",
        ),
        (
            slot("momentum", PAIR, "0.7") + slot("breakout", '"SOL/USDT:USDT"', "0.5"),
            "config.strategies: allocations sum to 1.2, must be <= 1",
        ),
        (
            slot("momentum", PAIR, "0.5") + slot("breakout", '"ETH/USDT:USDT"', "0.5"),
            "config.strategies[1].symbols[0]: is in strategies[0] already, got 'ETH/USDT:USDT'",
        ),
        (
            slot("momentum", '"XRP/USDT:USDT"', "0.5"),
            "config.strategies[0].symbols[0]: must be one of bot.symbols, got 'XRP/USDT:USDT'",
        ),
        (
            slot("pairs", '"BTC/USDT:USDT"', "0.5"),
            "config.strategies[0].symbols: pairs needs exactly 2 symbols, got ['BTC/USDT:USDT']",
        ),
        (
            slot("momentum", PAIR, "0.5", "[strategies.params]\nlookbak = 3\n"),
            "config.strategies[0].params.lookbak: unknown key",
        ),
        (
            slot("pairs", PAIR, "0.5", "[strategies.params]\nwindow = 2\n"),
            "config.strategies[0].params.window: must be >= 10, got 2",
        ),
        (
            slot("nope", PAIR, "0.5"),
            "config.strategies[0].name: unknown strategy 'nope'",
        ),
        (
            slot("momentum", PAIR, "0.5") + slot("momentum", '"SOL/USDT:USDT"', "0.5"),
            "config.strategies[1].label: 'momentum' is the label of strategies[0], got 'momentum'",
        ),
    ],
)
def test_each_slot_problem_is_one_line_naming_the_slot(
    tmp_path: Path, slots: str, line: str
) -> None:
    found = errors(config_file=write(tmp_path, BOT + slots))
    assert len(found) == 1
    assert found[0].startswith(line)


def test_ensemble_members_are_checked(tmp_path: Path) -> None:
    extra = '[strategies.params]\nmembers = "momentum,nope"\n'
    found = errors(config_file=write(tmp_path, BOT + slot("ensemble", PAIR, "1", extra)))
    assert found == [
        "config.strategies[0].params.members: unknown nope; known: baseline, breakout, "
        "mean_reversion, momentum, regime, volatility_expansion"
    ]


def test_pairs_alone_in_strategy_needs_two_bot_symbols(tmp_path: Path) -> None:
    assert errors(config_file=write(tmp_path, BOT + '[strategy]\nname = "pairs"\n')) == [
        "config.strategy.name: pairs needs exactly 2 symbols in bot.symbols "
        "(or a [[strategies]] slot naming 2)"
    ]
    two = '[bot]\nsymbols = ["BTC/USDT:USDT", "ETH/USDT:USDT"]\n[strategy]\nname = "pairs"\n'
    book = factories.strategy(load(config_file=write(tmp_path, two, "two.toml")).config)
    assert isinstance(book, StrategyBook)
    assert book.slots[0].symbols == ("BTC/USDT:USDT", "ETH/USDT:USDT")
