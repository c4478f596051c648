"""The canary runtime with the Binance user data stream, in process: the real container, lifecycle,
ccxt broker (against the loopback Binance REST venue, which issues the listen key) and websocket
transport (against the loopback user-data server, which takes only that key).

The clock is held after the first cycle, so no cycle's REST sync runs during the test: a fill can
reach the books only through the stream's pump or the resync after a (re)connect. Fills happen on
the venue's book directly (as an order placed on the venue's UI would), and the test pushes the
ORDER_TRADE_UPDATE Binance would push for them, built from the same book records."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import tomli_w
from dependency_injector import providers
from prometheus_client import generate_latest

from bot_v2.orchestration.builders import PerpsBotBuilder, make_container
from bot_v2.orchestration.config import load_config
from bot_v2.orchestration.runtime.perps_bot import PerpsBot
from tests.loopback import API_KEY, API_SECRET, BinanceUsdmVenue, ccxt_config_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared `wsloopback` package

from wsloopback import BinanceUserLoopback
from wsloopback.binance_user import trade_update

WAIT_S = 20.0


class HeldClock:
    """The wall clock, but only the first cycle runs until the test releases it (then none)."""

    def __init__(self) -> None:
        self._first = True
        self._release = asyncio.Event()

    def now_ms(self) -> int:
        return int(time.time() * 1000)

    async def wait_next(self) -> bool:
        if self._first:
            self._first = False
            return True
        await self._release.wait()
        return False

    def progress(self) -> float | None:
        return None

    def release(self) -> None:
        self._release.set()


async def eventually(predicate: Callable[[], bool], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not predicate():
        assert loop.time() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.01)


def canary(tmp_path: Path, rest_url: str, ws_url: str) -> Any:
    config = {
        "bot": {"data_dir": str(tmp_path / "var")},
        "broker": {"ccxt_config": ccxt_config_for("binanceusdm", rest_url)},
        # No orders of the bot's own: every fill here is one the test made on the venue.
        "risk": {"kill_switch": True, "max_mark_staleness_s": 86_400},
        "reconciliation": {"interval_s": 86_400},
        # The public stream has its own tests; marks come over REST here.
        "streaming": {
            "enabled": False,
            "user_url": ws_url,
            "backoff_initial_s": "0.01",
            "backoff_max_s": "0.05",
        },
        "monitoring": {"http_port": 0},
    }
    path = tmp_path / "canary.toml"
    path.write_text(tomli_w.dumps(config))
    env = {"PERPS_API_KEY": API_KEY, "PERPS_API_SECRET": API_SECRET}
    loaded = load_config("canary", path, env)
    assert loaded.config.streaming.user_stream  # on by default in canary
    return loaded


class Rig:
    def __init__(self, venue: BinanceUsdmVenue, ws: BinanceUserLoopback, bot: PerpsBot) -> None:
        self.venue = venue
        self.ws = ws
        self.bot = bot
        self.lifecycle = bot._lifecycle
        self.clock: HeldClock = self.lifecycle.clock  # type: ignore[assignment]
        self.state_file = Path(self.lifecycle.store.path)  # type: ignore[attr-defined]
        self.metrics = ""

    @property
    def ledger(self) -> Any:
        assert self.lifecycle.coordinator is not None
        return self.lifecycle.coordinator.ledger

    def user_stats(self) -> Any:
        assert self.lifecycle.user_stream is not None
        return self.lifecycle.user_stream.stats()

    def stored_fill_ids(self) -> list[str]:
        """What is durable: read from the state file itself (also after the run closed it)."""
        with contextlib.closing(sqlite3.connect(self.state_file)) as db:
            return [row[0] for row in db.execute("SELECT fill_id FROM fills ORDER BY rowid")]

    def rest_answered_fill_ids(self) -> set[str]:
        """Every trade id any REST userTrades answer carried so far."""
        ids: set[str] = set()
        for request in self.venue.recorded("/fapi/v1/userTrades"):
            if request.status == 200:
                ids |= {str(row["id"]) for row in json.loads(request.response)}
        return ids

    def trade_on_venue(self, client_id: str, side: str = "BUY") -> tuple[str, str]:
        """A market order executed on the venue's book; returns (trade id, the frame to push)."""
        order = self.venue.book.place(
            symbol="BTCUSDT",
            side=side,  # type: ignore[arg-type]
            type="MARKET",
            qty=Decimal("0.001"),
            price=None,
            tif="GTC",
            reduce_only=False,
            post_only=False,
            client_id=client_id,
        )
        trade = [t for t in self.venue.book.trades if t.order_id == order.order_id][-1]
        return str(trade.trade_id), trade_update(trade, order)


async def run_canary(tmp_path: Path, scenario: Callable[[Rig], Any]) -> Rig:
    async with BinanceUsdmVenue(prices={"BTCUSDT": "20000"}) as venue:
        key_is_issued: Callable[[str], bool] = lambda key: key == venue.listen_key  # noqa: E731
        async with BinanceUserLoopback(issued_by=key_is_issued) as ws:
            loaded = canary(tmp_path, venue.url, ws.url)
            container = make_container(loaded.config, loaded.secrets, tmp_path / "var")
            container.clock.override(providers.Object(HeldClock()))
            bot = PerpsBotBuilder(container, write=lambda _line: None).build()
            rig = Rig(venue, ws, bot)
            running = asyncio.create_task(bot.run())
            try:
                await eventually(lambda: bot.cycle_count >= 1 or running.done(), "cycle 1")
                assert not running.done(), running.exception()
                await eventually(lambda: rig.user_stats().resyncs >= 1, "the first resync")
                await scenario(rig)
            finally:
                bot.request_stop("test done")
                rig.clock.release()
                await asyncio.wait_for(running, WAIT_S)
            rig.metrics = generate_latest(rig.lifecycle.monitor.registry).decode()
            return rig


def test_a_pushed_fill_is_booked_before_any_rest_sync_finds_it(tmp_path: Path) -> None:
    fill_id = ""

    async def scenario(rig: Rig) -> None:
        nonlocal fill_id
        fill_id, frame = rig.trade_on_venue("ui-order-1")
        await rig.ws.push(frame)
        await eventually(lambda: fill_id in rig.stored_fill_ids(), "the fill is stored")
        # In the store and the ledger, although no REST answer has carried it yet.
        assert rig.ledger.has_fill(fill_id)
        assert fill_id not in rig.rest_answered_fill_ids()
        assert rig.ledger.position("BTC/USDT:USDT").size == Decimal("0.001")
        await rig.ws.push(frame)  # pushed again: still booked once
        await eventually(lambda: rig.user_stats().duplicates == 1, "the copy is seen")

    rig = asyncio.run(run_canary(tmp_path, scenario))
    # The closing sync fetched it over REST as well; it is still there once.
    assert fill_id in rig.rest_answered_fill_ids()
    assert rig.stored_fill_ids() == [fill_id]
    assert rig.ledger.fill_count == 1
    metrics = rig.metrics
    assert 'perps_stream_events_total{venue="binanceusdm-user"} 2.0' in metrics  # order + fill
    assert 'perps_stream_resyncs_total{venue="binanceusdm-user"} 1.0' in metrics
    assert 'perps_errors_total{kind="user_stream"}' not in metrics


def test_a_fill_made_while_the_stream_was_down_comes_with_the_resync_once(tmp_path: Path) -> None:
    ids: list[str] = []

    async def scenario(rig: Rig) -> None:
        first, frame = rig.trade_on_venue("ui-order-1")
        await rig.ws.push(frame)
        await eventually(lambda: rig.ledger.has_fill(first), "the first fill is booked")

        rig.ws.refusing = True  # reconnects are refused until the fill below has happened
        assert rig.ws.drop_mid_message() == 1
        await eventually(lambda: rig.ws.refused >= 1, "a reconnect was refused")
        missed, missed_frame = rig.trade_on_venue("ui-order-2", side="SELL")
        assert not rig.ledger.has_fill(missed)
        rig.ws.refusing = False
        await eventually(lambda: rig.user_stats().resyncs >= 2, "the resync after reconnecting")
        assert rig.user_stats().reconnects == 1
        # The resync (REST, fills since the last one seen) booked it; nothing pushed it.
        assert rig.ledger.has_fill(missed) and missed in rig.rest_answered_fill_ids()
        assert rig.ledger.position("BTC/USDT:USDT").size == 0
        # Binance would not push it now, but if it did, it would still count once.
        await rig.ws.push(missed_frame)
        await eventually(lambda: rig.user_stats().events >= 4, "the late push is read")
        ids.extend([first, missed])

    rig = asyncio.run(run_canary(tmp_path, scenario))
    assert sorted(rig.stored_fill_ids()) == sorted(ids)
    assert rig.ledger.fill_count == 2
    assert 'perps_stream_reconnects_total{venue="binanceusdm-user"} 1.0' in rig.metrics
