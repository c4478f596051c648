"""--objective: built-in names, several at once, and a user's function from a file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot_v2.domain.errors import ConfigError
from bot_v2.features.optimize.objectives import score
from bot_v2.orchestration.optimize.objective_source import objectives_of

FOUND = score(np.arange(4, dtype=np.int64) * 3_600_000, np.asarray([100.0, 101.0, 99.0, 103.0]))


def test_names_default_and_several() -> None:
    assert [o.name for o in objectives_of([])] == ["sharpe"]
    assert [o.name for o in objectives_of(["sharpe,calmar", "profit_dd"])] == [
        "sharpe",
        "calmar",
        "profit_dd",
    ]
    assert objectives_of(["profit"])[0].value(FOUND) == pytest.approx(0.03)


def test_a_users_function_gets_the_score_as_a_dict(tmp_path: Path) -> None:
    file = tmp_path / "mine.py"
    file.write_text("def edge(s):\n    return s['profit'] - s['max_drawdown']\n")
    [mine] = objectives_of([f"{file}:edge"])
    assert mine.value(FOUND) == pytest.approx(FOUND.profit - FOUND.max_drawdown)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("sharp", "--objective: 'sharp' is not one of sharpe, sortino, calmar, profit, profit_dd"),
        ("sharpe,sharpe", "--objective: each objective may be given once"),
        ("/nonexistent/x.py:f", "--objective: /nonexistent/x.py: no such file"),
    ],
)
def test_bad_objectives_are_one_line(text: str, line: str) -> None:
    with pytest.raises(ConfigError) as caught:
        objectives_of([text])
    assert len(caught.value.lines) == 1
    assert caught.value.lines[0].startswith(line)


def test_a_function_that_returns_no_number_is_named(tmp_path: Path) -> None:
    file = tmp_path / "bad.py"
    file.write_text("def f(s):\n    return 'high'\n")
    [bad] = objectives_of([f"{file}:f"])
    with pytest.raises(ConfigError) as caught:
        bad.value(FOUND)
    assert caught.value.lines == [f"--objective {file}:f: must return a number, returned str"]
