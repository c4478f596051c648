"""The import contracts catch what they promise to catch: each test plants one bad import in a copy
of the tree and expects lint-imports to name the broken contract."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).parent / "lint-imports"


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run([str(LINT)], cwd=tree, env=env, capture_output=True, text=True)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("resources"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def plant(tree: Path, module: str, line: str) -> None:
    path = tree / "src" / Path(*module.split(".")).with_suffix(".py")
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_tree_as_committed_keeps_every_contract(tree: Path) -> None:
    result = lint(tree)
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("bot_v2.domain.money", "import sqlite3", "touch no outside world"),
        ("bot_v2.features.live_trade.execution", "import ccxt", "touch no outside world"),
        (
            "bot_v2.features.live_trade.execution",
            "import bot_v2.orchestration.container",
            "nothing below reaches up",
        ),
        (
            "bot_v2.features.market_data.service",
            "import bot_v2.features.live_trade.accounting",
            "Feature slices do not import each other",
        ),
        ("bot_v2.monitoring.progress", "import bot_v2.adapters.http.operator_api", "nothing below"),
        ("bot_v2.adapters.http.operator_api", "import dependency_injector", "container"),
        ("bot_v2.domain.orders", "import bot_v2.domain.money", "No import cycles"),
    ],
)
def test_a_planted_violation_is_caught(tree: Path, module: str, line: str, contract: str) -> None:
    plant(tree, module, line)
    result = lint(tree)
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if row.endswith("BROKEN")]
    assert any(contract in row for row in broken) or contract in result.stdout, result.stdout


def test_choosing_the_sim_broker_never_imports_ccxt() -> None:
    code = (
        "import sys, bot_v2.cli.main, bot_v2.orchestration.container, bot_v2.orchestration.factories;"
        "assert 'ccxt' not in sys.modules, 'ccxt imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
