"""The stop is on the venue while the bot is dead.

The real `perps-bot` (dev profile: a 4% stop-loss the venue holds) trades a persistent sim exchange
(`broker.sim.state_path`) on a market that rises, so the baseline strategy goes long and stays
long. Once the venue holds the position's stop, the bot is killed with SIGKILL. While it is dead
the test moves the venue on through a crash of the price (the replay advanced to past it): the
venue's stop closes the position. On restart the bot books that fill, names the exit from its
ownership record (journal `exit` stop_loss), and its ledger, store and the venue agree; nothing is
left on the venue and no record is left in the store."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from decimal import Decimal
from pathlib import Path

from bot_v2.domain.errors import StateError
from bot_v2.domain.orders import OrderType
from bot_v2.orchestration import factories
from bot_v2.orchestration.config.loader import load_config
from tests.integration.recovery._harness import (
    BOT_ID,
    Rig,
    check_invariants,
    exchange_state,
    kill,
    reconcile_only,
    start,
)

SYMBOL = "BTC/USDT:USDT"
H = 3_600_000
T0 = 1_704_067_200_000
CRASH_AT = 150  # the candle in which the price falls through any stop the bot can have


def market_rows() -> list[str]:
    """A dip (-0.2% a candle) for 12 candles, then a steady rise (+0.2% a candle): the baseline
    strategy's averages cross up once and it goes long. In candle CRASH_AT the price falls 30%;
    flat after."""
    rows = ["timestamp_ms,open,high,low,close,volume"]
    price = 40000.0
    for i in range(CRASH_AT + 40):
        if i < 12:
            close = round(price * 0.998, 1)
            high, low = round(price * 1.0005, 1), round(close * 0.9995, 1)
        elif i < CRASH_AT:
            close = round(price * 1.002, 1)
            high, low = round(close * 1.0005, 1), round(price * 0.9995, 1)
        elif i == CRASH_AT:
            close = round(price * 0.70, 1)
            high, low = price, round(close * 0.999, 1)
        else:
            close, high, low = price, round(price * 1.0005, 1), round(price * 0.9995, 1)
        rows.append(f"{T0 + i * H},{price},{high},{low},{close},1000")
        price = close
    return rows


def make_stop_rig(root: Path) -> Rig:
    rig = Rig(root)
    root.mkdir(parents=True, exist_ok=True)
    data = root / "BTCUSDT-1h.csv"
    data.write_text("\n".join(market_rows()) + "\n")
    # The mark follows the same market (stops trigger on the mark by default).
    mark = root / "BTCUSDT-mark-1h.csv"
    mark.write_text("\n".join(r.rsplit(",", 1)[0] for r in market_rows()) + "\n")
    rig.config.write_text(
        "\n".join(
            [
                'profile = "dev"',
                "[bot]",
                f'id = "{BOT_ID}"',
                f'data_dir = "{rig.data_dir}"',
                f'symbols = ["{SYMBOL}"]',
                "[broker.sim]",
                f'state_path = "{rig.exchange_db}"',
                "[strategy.params]",
                "short_window = 3",
                "long_window = 8",
                "confirmation_bars = 0",
                "trailing_stop_pct = 0",
                "[monitoring]",
                "http_port = 0",
                "status_interval_s = 1000",
                "[replay.candles]",
                f'"{SYMBOL}" = "{data}"',
                "[replay.mark]",
                f'"{SYMBOL}" = "{mark}"',
            ]
        )
        + "\n"
    )
    return rig


def open_stop(rig: Rig, scratch: Path) -> tuple[Decimal, list[object]]:
    """The venue's position and its open stop orders (from a copy of the exchange's file)."""
    try:
        state = exchange_state(rig, scratch)
    except (AssertionError, StateError):  # not written yet, or copied mid-write
        return Decimal(0), []
    position = state.positions.get(SYMBOL)
    size = position.size if position is not None else Decimal(0)
    stops = [
        o
        for o in state.orders.values()
        if o.type is OrderType.STOP_MARKET and o.status.is_open and o.triggered_ms is None
    ]
    return size, stops


def protection_records(rig: Rig) -> dict[str, object]:
    db = sqlite3.connect(rig.state_db)
    try:
        row = db.execute("SELECT value FROM meta WHERE key='protection'").fetchone()
    finally:
        db.close()
    return {} if row is None else dict(json.loads(row[0])["symbols"])


def exits(rig: Rig) -> list[str]:
    db = sqlite3.connect(rig.state_db)
    try:
        return [r[0] for r in db.execute("SELECT detail FROM events WHERE kind='exit'")]
    finally:
        db.close()


class _At:
    """A clock standing at one instant: the venue's time while the bot is dead."""

    def __init__(self, now_ms: int) -> None:
        self.now = now_ms

    def now_ms(self) -> int:
        return self.now

    def progress(self) -> float | None:
        return None


async def advance_venue(rig: Rig, to_ms: int) -> None:
    """The venue lives on while the bot is dead: the exchange over the same replay, brought to
    `to_ms` (its conditional orders trigger on the way) and saved to its state file."""
    config = load_config("dev", rig.config, env={}).config
    feed = factories.replay_feed(config)
    broker = factories.sim_broker(config, feed, _At(to_ms))  # type: ignore[arg-type]
    await broker.start()
    await broker.fetch_fills([SYMBOL], 0)
    await broker.close()


def test_the_venue_stop_closes_the_position_while_the_bot_is_dead(tmp_path: Path) -> None:
    rig = make_stop_rig(tmp_path)
    log = tmp_path / "run.log"
    # Slow enough that the kill lands long before the crash candle (over 100 candles later).
    proc = start(rig, 100, log)
    deadline = time.monotonic() + 120
    size, stops = Decimal(0), []
    n = 0
    while time.monotonic() < deadline and proc.poll() is None:
        n += 1
        size, stops = open_stop(rig, tmp_path / "polls" / str(n))
        if size > 0 and stops:
            break
        time.sleep(0.05)
    kill(proc)
    assert size > 0 and stops, f"no stop on the venue before the kill:\n{log.read_text()[-3000:]}"

    # Dead: the venue holds the stop, and it is the one the store says belongs to the position.
    (stop,) = stops
    assert stop.reduce_only and stop.size == size  # type: ignore[attr-defined]
    records = protection_records(rig)
    owned = [r["client_order_id"] for r in records[SYMBOL]["records"]]  # type: ignore[index]
    assert stop.client_order_id in owned  # type: ignore[attr-defined]
    venue = exchange_state(rig, tmp_path / "before")
    assert venue.clock_ms is not None and venue.clock_ms < T0 + CRASH_AT * H

    # The price falls through the stop while nobody watches: the venue closes the position.
    asyncio.run(advance_venue(rig, T0 + (CRASH_AT + 3) * H))
    after, left = open_stop(rig, tmp_path / "after")
    assert after == 0 and left == []
    stop_fills = [
        f
        for f in exchange_state(rig, tmp_path / "fills").fills
        if f.client_order_id == stop.client_order_id  # type: ignore[attr-defined]
    ]
    assert stop_fills, "the stop did not fill on the venue"

    # Restart: reconcile, book the stop's fill, name the exit; ledger, store and venue agree.
    check = reconcile_only(rig, tmp_path / "restart.log")
    assert check.returncode == 0, check.stderr.decode()[-3000:]
    assert b"Traceback" not in check.stderr
    check_invariants(rig, tmp_path / "scratch")
    assert any(e.startswith("stop_loss ") and stop.client_order_id in e for e in exits(rig)), exits(
        rig
    )  # type: ignore[attr-defined]
    assert protection_records(rig) == {}
