"""The console in a real headless chromium against the real `perps-bot --profile dev` CLI with a
paced replay: the page asks for a token, the operator logs in, the equity chart (the vendored chart
library, served by the bot at /assets/lightweight-charts.js) is redrawn as the replay runs (pushed by the server-sent events, no reload), "Pause entries" asks for a
confirmation (dismissed: nothing sent; accepted: the paused flag lights up and the journal page
shows it), logging out brings the login back, also after a reload (the session cookie is gone),
and a viewer sees no controls."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e._cli import WAIT_S, cli_env, dev_command, signal_and_wait, wait_for_address
from tests.e2e.conftest import browser_paths

pytestmark = pytest.mark.browser

VIEWER = "browser-viewer-token-71ad"
OPERATOR = "browser-operator-token-c3e0"


def wait(driver: Any, proc: subprocess.Popen[str], condition: Any, what: str) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    def alive_and(d: Any) -> Any:
        assert proc.poll() is None, f"the bot exited while waiting for {what}"
        return condition(d)

    return WebDriverWait(driver, WAIT_S, poll_frequency=0.1).until(alive_and, what)


def chart(driver: Any) -> str:
    """The equity chart's points as the chart library holds them ("" before it is drawn)."""
    return str(
        driver.execute_script(
            "return typeof equitySeries === 'undefined' || equitySeries === null ? ''"
            " : equitySeries.data().map((p) => `${p.time},${p.value}`).join(' ');"
        )
    )


def heights(points: str) -> set[str]:
    return {pair.split(",")[1] for pair in points.split()}


def flag_on(driver: Any, name: str) -> bool:
    # Read in one script: the page redraws the flags on every pushed status, so element handles
    # found a moment earlier may be gone.
    lit = driver.execute_script(
        "return [...document.querySelectorAll('#flags .flag.on')].map((s) => s.textContent);"
    )
    return name in lit


def page_text(driver: Any, read: str) -> str:
    """The text of the table a page drew for one read's key ("events · events"), or ""."""
    found = driver.execute_script(
        "const t = document.querySelector(`#view table[data-read='${arguments[0]}']`);"
        "return t ? t.textContent : '';",
        read,
    )
    return str(found)


def test_login_watch_the_equity_pause_and_log_out(tmp_path: Path, browser: Any) -> None:
    from selenium.webdriver.support import expected_conditions as shown

    data_dir = tmp_path / "var"
    err = tmp_path / "bot.err"
    proc = subprocess.Popen(
        dev_command(data_dir, "--set", "replay.pace_ms=10"),
        stdout=subprocess.DEVNULL,
        stderr=err.open("w"),
        text=True,
        env={**cli_env(), "PERPS_VIEWER_TOKEN": VIEWER, "PERPS_OPERATOR_TOKEN": OPERATOR},
    )
    try:
        url = wait_for_address(data_dir, proc, err)
        browser.get(f"{url}/")
        login = wait(browser, proc, shown.visibility_of_element_located(("id", "login")), "login")
        assert not browser.find_element("id", "main").is_displayed()

        # A wrong token is refused on the page; the operator's is let in.
        browser.find_element("id", "token").send_keys("not-a-token")
        login.submit()
        wait(
            browser,
            proc,
            shown.text_to_be_present_in_element(("id", "err"), "unknown token"),
            "refusal",
        )
        browser.find_element("id", "token").clear()
        browser.find_element("id", "token").send_keys(OPERATOR)
        login.submit()
        wait(browser, proc, shown.visibility_of_element_located(("id", "main")), "the console")
        assert browser.find_element("id", "role").text == "signed in as operator"
        assert OPERATOR not in browser.page_source

        # The chart moves: first a curve with some height (a position made the equity move), then
        # a different one, pushed while the page stays as it is.
        first = wait(browser, proc, lambda d: len(heights(chart(d))) > 1 and chart(d), "a curve")
        wait(browser, proc, lambda d: chart(d) != first, "the curve to change")
        assert browser.find_elements("css selector", "#equity canvas")
        # Drawn by the library the bot serves; nothing came from anywhere else.
        loaded = browser.execute_script(
            "return performance.getEntriesByType('resource').map((e) => e.name);"
        )
        assert f"{url}/assets/lightweight-charts.js" in loaded
        assert all(name.startswith(url) for name in loaded)

        # Pause entries: the confirmation dismissed sends nothing; accepted, the flag lights up.
        pause = browser.find_element("css selector", '#controls button[data-action="pause"]')
        assert not flag_on(browser, "paused")
        pause.click()
        wait(browser, proc, shown.alert_is_present(), "the confirmation").dismiss()
        assert browser.find_element("id", "err").text == ""
        pause.click()
        wait(browser, proc, shown.alert_is_present(), "the confirmation").accept()
        wait(
            browser,
            proc,
            shown.text_to_be_present_in_element(("id", "err"), "pause: applied"),
            "the answer",
        )
        wait(browser, proc, lambda d: flag_on(d, "paused"), "the paused flag")

        # The other pages draw whatever the reads return: the journal shows the control, the
        # configuration the replay's pace.
        browser.get(f"{url}/#risk")
        wait(
            browser, proc, lambda d: "pause: applied" in page_text(d, "events · events"), "journal"
        )
        assert "paused" in page_text(browser, "risk · flags")
        browser.get(f"{url}/#config")
        wait(
            browser,
            proc,
            lambda d: "pace_ms" in page_text(d, "config · config · replay"),
            "the config",
        )
        browser.get(f"{url}/#overview")
        wait(browser, proc, shown.visibility_of_element_located(("id", "summary")), "overview")

        # Log out: the login is back, and stays after a reload (no session cookie left).
        browser.find_element("id", "logout").click()
        wait(browser, proc, shown.visibility_of_element_located(("id", "login")), "the login")
        browser.refresh()
        wait(browser, proc, shown.visibility_of_element_located(("id", "login")), "the login again")
        assert not browser.find_element("id", "main").is_displayed()
        assert browser.get_cookies() == []

        # A viewer sees the pages but no controls.
        browser.find_element("id", "token").send_keys(VIEWER)
        browser.find_element("id", "login").submit()
        wait(browser, proc, shown.visibility_of_element_located(("id", "main")), "viewer's page")
        assert browser.find_element("id", "role").text == "signed in as viewer"
        assert not browser.find_element("id", "controls").is_displayed()

        signal_and_wait(proc)
        assert proc.returncode == 0, err.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert OPERATOR not in err.read_text()


@pytest.mark.parametrize(
    "ci, outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_a_missing_browser_fails_under_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="chromium is not installed"):
        browser_paths()
