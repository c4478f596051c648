"""report.html for a year of one-minute candles (525,600, a seeded random walk, the baseline
strategy in fast mode): prints the resample ladder the page carries, the page's size, how long
building it takes, and (with chromium and chromedriver installed) how long headless chromium takes
to open it from file:// and draw the chart, and to swap in finer candles on a zoom.

    .venv/bin/python scripts/bench_report.py [--candles 525600] [--no-browser]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from bot_v2.adapters.replay.feed import ReplayFeed, SymbolSeries
from bot_v2.orchestration.backtest.engine import run_backtest
from bot_v2.orchestration.backtest.page.ladder import label, ladder
from bot_v2.orchestration.backtest.page.render import report_page
from bot_v2.orchestration.backtest.report import report_title, summary_rows
from bot_v2.orchestration.backtest.results import measure
from bot_v2.orchestration.backtest.synthetic import random_walk
from bot_v2.orchestration.config import load_config

SYMBOL = "BTC/USDT:USDT"
MINUTE = 60_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candles", type=int, default=525_600)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    columns = random_walk(SYMBOL, args.candles, MINUTE, seed=20240101)
    config = load_config(
        "dev",
        None,
        {},
        [
            f'bot.symbols=["{SYMBOL}"]',
            'bot.timeframe="1m"',
            'strategy.name="baseline"',
            "strategy.params.short_window=240",
            "strategy.params.long_window=1440",
        ],
    ).config
    feed = ReplayFeed({SYMBOL: SymbolSeries(SYMBOL, columns)}, MINUTE)
    run = asyncio.run(run_backtest(config, feed, "fast"))
    metrics, curve, trades = measure(run, "1m")
    levels = ladder(MINUTE, columns.open_ms, columns.open, columns.high, columns.low, columns.close)
    print(f"candles          {args.candles:,} (1m), {len(trades):,} trades")
    print("ladder           " + ", ".join(f"{label(lv.step_ms)} {len(lv):,}" for lv in levels))
    started = time.perf_counter()
    page = report_page(run, report_title(metrics), summary_rows(metrics), metrics, curve, trades)
    built = time.perf_counter() - started
    print(f"page             {len(page.encode()) / 1e6:.2f} MB, built in {built:.2f}s")
    if args.no_browser or not (shutil.which("chromium") and shutil.which("chromedriver")):
        print("browser          skipped (--no-browser, or no chromium/chromedriver)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.html"
        path.write_text(page)
        browse(path, Path(tmp))


def browse(path: Path, tmp: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(shutil.which("chromium"))
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp / 'profile'}")
    driver = webdriver.Chrome(options=options, service=Service(str(shutil.which("chromedriver"))))
    try:
        started = time.perf_counter()
        driver.get(path.as_uri())
        WebDriverWait(driver, 300, 0.01).until(
            lambda d: d.execute_script("return (window.reportCharts || []).length") > 0
        )
        opened = time.perf_counter() - started
        level = "return document.getElementById('chart-0').dataset.level"
        first = driver.execute_script(level)
        print(f"browser open     {opened:.2f}s to the drawn chart ({first} candles)")
        started = time.perf_counter()
        driver.execute_script(
            "const c = window.reportCharts[0]; const t = c.candles.data();"
            "const mid = t[t.length >> 1].time;"
            "c.chart.timeScale().setVisibleRange({from: mid, to: mid + 86400});"
        )
        WebDriverWait(driver, 300, 0.01).until(lambda d: d.execute_script(level) != first)
        print(
            f"browser zoom     {time.perf_counter() - started:.2f}s to one day of "
            f"{driver.execute_script(level)} candles"
        )
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
