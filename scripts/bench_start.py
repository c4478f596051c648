"""Start-to-first-cycle of `perps-bot --profile canary` against a loopback Binance USDⓈ-M venue (a
subprocess speaking the real REST wire format), and the signed history requests (userTrades,
income) the venue received before cycle 1 and per cycle after it. The account has no fills.

    .venv/bin/python scripts/bench_start.py [--cycles 3] [--throttle] [--src path/to/other/src]

`--src` runs the bot from another source tree (an older checkout) for a before/after figure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import tomli_w

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.loopback import API_KEY, API_SECRET, ccxt_config_for, wait_for_state_file  # noqa: E402

HISTORY_PATHS = ("/fapi/v1/userTrades", "/fapi/v1/income")


def history_requests(url: str) -> int:
    return sum(
        len(httpx.get(f"{url}/__test__/requests", params={"path": p}).json()) for p in HISTORY_PATHS
    )


def start_venue(workdir: Path) -> tuple[subprocess.Popen[str], str]:
    state = workdir / "venue.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.loopback.serve", "binanceusdm", "--state-file", str(state)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return proc, str(wait_for_state_file(state)["url"])


def write_config(workdir: Path, url: str, throttle: bool) -> Path:
    # The loopback config turns ccxt's request throttle off; production runs with it on.
    ccxt_config = ccxt_config_for("binanceusdm", url, enableRateLimit=throttle)
    config = {
        "bot": {"cycle_interval_s": 1, "data_dir": str(workdir / "var")},
        "broker": {"ccxt_config": ccxt_config},
        "streaming": {"enabled": False, "user_stream": False},
        "monitoring": {"http_port": 0},
    }
    path = workdir / "canary.toml"
    path.write_text(tomli_w.dumps(config))
    return path


def start_bot(workdir: Path, config: Path, src: str | None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERPS")}
    env.update(PERPS_API_KEY=API_KEY, PERPS_API_SECRET=API_SECRET)
    if src:
        env["PYTHONPATH"] = src
    code = "import sys; from bot_v2.cli.main import main; sys.exit(main())"
    return subprocess.Popen(
        [sys.executable, "-c", code, "--profile", "canary", "--config", str(config)],
        stdout=(workdir / "bot.out").open("w"),
        stderr=(workdir / "bot.err").open("w"),
        text=True,
        env=env,
    )


def wait_for_cycle(workdir: Path, bot: subprocess.Popen[str], cycle: int) -> None:
    addr = workdir / "var" / "http.addr"
    while not (addr.exists() and addr.read_text().strip()):
        if bot.poll() is not None:
            raise SystemExit((workdir / "bot.err").read_text()[-2000:])
        time.sleep(0.02)
    health = addr.read_text().strip() + "/health"
    while httpx.get(health, timeout=30).json().get("cycle", 0) < cycle:
        if bot.poll() is not None:
            raise SystemExit((workdir / "bot.err").read_text()[-2000:])
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--src", default=None)
    parser.add_argument("--throttle", action="store_true", help="ccxt's rate limiter on, as live")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        venue, url = start_venue(workdir)
        bot = None
        try:
            config = write_config(workdir, url, args.throttle)
            started = time.monotonic()
            bot = start_bot(workdir, config, args.src)
            wait_for_cycle(workdir, bot, 1)
            print(f"start to first cycle: {time.monotonic() - started:.2f} s", flush=True)
            at_first = history_requests(url)
            print(f"history requests before cycle 1: {at_first}", flush=True)
            wait_for_cycle(workdir, bot, 1 + args.cycles)
            per_cycle = (history_requests(url) - at_first) / args.cycles
            print(f"history requests per cycle after: {per_cycle:.1f}", flush=True)
        finally:
            if bot is not None:
                stop(bot)
            stop(venue)


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


if __name__ == "__main__":
    main()
