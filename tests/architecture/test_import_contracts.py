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
    # The allow-list contract type lives here; lint-imports imports it from the working directory.
    shutil.copytree(
        ROOT / "tools", tmp_path / "tools", ignore=shutil.ignore_patterns("__pycache__")
    )
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
        # Allow-lists: a package no block-list thought of (requests is not even a dependency of
        # ours, backtrader is not installed) breaks them; so does one allowed only further down.
        ("bot_v2.domain.money", "import requests", "The domain imports only"),
        ("bot_v2.domain.money", "import backtrader", "The domain imports only"),
        ("bot_v2.domain.orders", "from tqdm import tqdm", "The domain imports only"),
        ("bot_v2.ports.broker", "import numpy", "Ports import only"),
        ("bot_v2.features.live_trade.execution", "import requests", "Features import only"),
        ("bot_v2.features.live_trade.execution", "import backtrader", "Features import only"),
        ("bot_v2.features.market_data.service", "import cattrs", "Features import only"),
        # A venue is one folder: no venue reaches into another, only orchestration composes, and
        # the generic ccxt broker never names a venue folder.
        (
            "bot_v2.adapters.venues.bybit.profile",
            "import bot_v2.adapters.venues.binanceusdm.profile",
            "venue folders do not import each other",
        ),
        (
            "bot_v2.adapters.brokers.ccxt.session",
            "import bot_v2.adapters.venues.registry",
            "Only orchestration looks venues up",
        ),
        (
            "bot_v2.adapters.venues.bybit.streams",
            "import bot_v2.features.streaming.service",
            "Only orchestration looks venues up",
        ),
        (
            "bot_v2.adapters.brokers.ccxt.protective",
            "import bot_v2.adapters.venues.okx.protective",
            "broker knows venues only through",
        ),
    ],
)
def test_a_planted_violation_is_caught(tree: Path, module: str, line: str, contract: str) -> None:
    plant(tree, module, line)
    result = lint(tree)
    assert result.returncode != 0
    # Contract names wrap in the summary; the section after "Broken contracts" names the broken ones.
    _, _, broken = result.stdout.partition("Broken contracts")
    assert contract in broken, result.stdout


def test_choosing_the_sim_broker_never_imports_ccxt() -> None:
    code = (
        "import sys, bot_v2.cli.main, bot_v2.orchestration.container, bot_v2.orchestration.factories;"
        "assert 'ccxt' not in sys.modules, 'ccxt imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_looking_a_venue_up_loads_neither_ccxt_nor_websockets() -> None:
    # Venue folders import their websocket code inside their stream builders: a REST-only or sim
    # profile that only reads the registry pays for neither library.
    code = (
        "import sys, bot_v2.adapters.venues.registry as r; r.venue('binanceusdm');"
        "assert 'ccxt' not in sys.modules, 'ccxt imported';"
        "assert 'websockets' not in sys.modules, 'websockets imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
