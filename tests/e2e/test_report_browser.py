"""report.html in a real headless chromium, opened from file:// as an operator would: the price
chart draws the candles of the resample ladder, every entry and exit is a marker, the strategy's
averages are drawn over the candles, zooming in swaps in finer candles, the trades table sorts on
a header click, and the page fetches nothing (everything is inlined) and logs no error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot_v2.adapters.replay.csv_files import resolve_path
from bot_v2.cli.main import main
from tests.e2e._cli import WAIT_S

pytestmark = pytest.mark.browser

D = "bundled:binance_usdm"
CANDLES = str(resolve_path(f"{D}/1h/BTCUSDT-1h-2024.csv"))
FUNDING = str(resolve_path(f"{D}/funding/BTCUSDT-funding-upto-2024.csv"))


def run_report(directory: Path) -> dict[str, Any]:
    code = main(
        [
            "backtest", "--no-progress", "--data", CANDLES, "--funding", FUNDING,
            "--symbol", "BTCUSDT", "--strategy", "baseline",
            "--set", "strategy.params.short_window=10", "--set", "strategy.params.long_window=30",
            "--from", "2024-01-01", "--to", "2024-03-31", "--report-dir", str(directory),
        ]
    )  # fmt: skip
    assert code == 0
    summary: dict[str, Any] = json.loads((directory / "summary.json").read_text())
    return summary


def js(driver: Any, code: str, *args: Any) -> Any:
    return driver.execute_script(code, *args)


def level(driver: Any) -> str:
    return str(js(driver, "return document.getElementById('chart-0').dataset.level;"))


def column(driver: Any, name: str) -> list[float]:
    """The sort keys of the trades table's column `name`, top to bottom."""
    values = js(
        driver,
        "const t = document.getElementById('trades');"
        "const i = [...t.tHead.rows[0].cells].findIndex((c) => c.textContent.startsWith(arguments[0]));"
        "return [...t.tBodies[0].rows].map((r) => r.cells[i].dataset.v);",
        name,
    )
    return [float(v) for v in values]


def test_the_report_draws_candles_trades_and_indicators_and_sorts(
    tmp_path: Path, browser: Any
) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    summary = run_report(tmp_path / "report")
    trades = summary["trades"]
    assert trades > 2
    browser.get((tmp_path / "report" / "report.html").as_uri())
    WebDriverWait(browser, WAIT_S).until(
        lambda d: js(d, "return (window.reportCharts || []).length") == 1, "the chart"
    )
    # The whole quarter opens on the finest level of the ladder that fits it: 546 4h candles.
    drawn = js(
        browser,
        "const c = window.reportCharts[0];"
        "return {level: document.getElementById('chart-0').dataset.level,"
        " candles: c.candles.data().length, canvases: document.querySelectorAll('#chart-0 canvas').length,"
        " markers: c.markers.markers().map((m) => m.id), texts: c.markers.markers().filter((m) => m.text).length,"
        " lines: c.lines.map((s) => [s.options().title, s.data().filter((p) => p.value !== undefined).length])};",
    )
    assert drawn["level"] == "4h" and drawn["candles"] == 91 * 6 and drawn["canvases"] > 0
    # ... all of it in view.
    WebDriverWait(browser, WAIT_S).until(
        lambda d: js(
            d,
            "const r = window.reportCharts[0].chart.timeScale().getVisibleLogicalRange();"
            "return r !== null && r.from <= 0 && r.to >= arguments[0] - 1;",
            91 * 6,
        ),
        "the whole quarter in view",
    )
    # Each trade is an entry and an exit marker; each exit names its kind: the profile's stop-loss
    # or the strategy's own close. With 184 markers in view their texts would pile up: none shown.
    markers = drawn["markers"]
    stops = summary["exits"]["stop_loss"]
    assert len(markers) == 2 * trades and stops > 0
    assert markers.count("long") + markers.count("short") == trades
    assert markers.count("stop_loss") == stops and markers.count("signal") == trades - stops
    assert drawn["texts"] == 0
    # The strategy's two averages, known from their window on (the 30th hour: the 8th 4h candle).
    assert [name for name, _ in drawn["lines"]] == ["SMA 10", "SMA 30"]
    assert [known for _, known in drawn["lines"]] == [546 - 2, 546 - 7]

    # Zooming in on three days swaps in the hourly candles, with the markers moved onto them, and
    # keeps those three days in view; zooming out again brings the 4h candles back.
    three_days = {"from": 1706745600, "to": 1707004800}
    js(
        browser,
        "window.reportCharts[0].chart.timeScale().setVisibleRange(arguments[0]);",
        three_days,
    )
    WebDriverWait(browser, WAIT_S).until(lambda d: level(d) == "1h", "the hourly candles")
    zoomed = js(
        browser,
        "const c = window.reportCharts[0];"
        "return {candles: c.candles.data().length, markers: c.markers.markers().length,"
        " range: c.chart.timeScale().getVisibleRange(),"
        " labels: c.markers.markers().filter((m) => m.text).map((m) => [m.text, m.id])};",
    )
    # A few markers in view: each is labelled with what it is.
    assert zoomed["labels"] and all(text == kind for text, kind in zoomed["labels"])
    assert zoomed["candles"] == 91 * 24 and zoomed["markers"] == 2 * trades
    assert zoomed["range"] == three_days
    js(browser, "window.reportCharts[0].chart.timeScale().fitContent();")
    WebDriverWait(browser, WAIT_S).until(lambda d: level(d) == "4h", "the 4h candles again")

    # Sorting: a click on "net" sorts ascending, a second click descending.
    header = browser.find_element(
        "xpath", "//table[@id='trades']/thead//th[starts-with(normalize-space(.), 'net')]"
    )
    unsorted = column(browser, "net")
    header.click()
    assert column(browser, "net") == sorted(unsorted) != unsorted
    header.click()
    assert column(browser, "net") == sorted(unsorted, reverse=True)
    exits = js(
        browser,
        "return [...document.querySelectorAll('#trades tbody tr')].map((r) => r.cells[9].textContent);",
    )
    assert len(exits) == trades and exits.count("stop_loss") == stops
    assert set(exits) == {"signal", "stop_loss"}

    # Offline: nothing but the file itself was loaded, and nothing went wrong on the way.
    assert js(browser, "return performance.getEntriesByType('resource').length") == 0
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


PAIRS = """
[[strategies]]
name = "pairs"
symbols = ["BTC/USDT:USDT", "ETH/USDT:USDT"]
[strategies.params]
window = 24
entry_z = 1.5
"""


def test_a_pairs_report_draws_the_spread_in_a_pane_below_each_leg(
    tmp_path: Path, browser: Any
) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    config = tmp_path / "pairs.toml"
    config.write_text(PAIRS, encoding="utf-8")
    eth = CANDLES.replace("BTCUSDT", "ETHUSDT")
    code = main(
        [
            "backtest", "--no-progress", "--config", str(config),
            "--data", CANDLES, "--symbol", "BTC/USDT:USDT", "--data", eth, "--symbol", "ETH/USDT:USDT",
            "--from", "2024-01-01", "--to", "2024-01-31", "--report-dir", str(tmp_path / "report"),
        ]
    )  # fmt: skip
    assert code == 0
    browser.get((tmp_path / "report" / "report.html").as_uri())
    WebDriverWait(browser, WAIT_S).until(
        lambda d: js(d, "return (window.reportCharts || []).length") == 2, "both legs' charts"
    )
    drawn = js(
        browser,
        "return window.reportCharts.map((c) => ({panes: c.chart.panes().length,"
        " candles: c.candles.getPane().paneIndex(),"
        " lines: c.lines.map((s) => [s.options().title, s.getPane().paneIndex(),"
        "  s.data().filter((p) => p.value !== undefined).length])}));",
    )
    for leg in drawn:
        # The candles above; the spread's z-score and its entry/exit levels in the pane below,
        # known from the 24th hour on.
        assert leg["panes"] == 2 and leg["candles"] == 0
        names = [name for name, _, _ in leg["lines"]]
        assert names == ["Spread z 24", "entry +1.5", "exit +0.5", "exit -0.5", "entry -1.5"]
        assert {pane for _, pane, _ in leg["lines"]} == {1}
        known = [n for _, _, n in leg["lines"]]
        assert known[0] > 0 and len(set(known)) == 1
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
