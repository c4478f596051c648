"""The headless browser for the console tests: Debian's chromium driven by selenium through
Debian's chromedriver (built from the same source as the browser, so the two never drift apart;
nothing is downloaded). Without chromium the test is skipped on a workstation but FAILS under
`CI=true`: CI (`.ci/run`) installs it, so a missing browser there is a broken build, not a pass."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Flags that run on a shared, offline machine as root: no sandbox (root), no GPU, and nothing that
# phones home (component updates, sync, background networking, QUIC).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
)


def _missing(why: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {why}; .ci/run installs chromium and chromium-driver")
    pytest.skip(f"{why} (apt-get install chromium chromium-driver)")


def browser_paths() -> tuple[str, str]:
    """chromium and chromedriver, or a skip (a failure under CI=true)."""
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if chromium is None:
        _missing("chromium is not installed")
    if driver is None:
        _missing("chromedriver (chromium-driver) is not installed")
    assert chromium is not None and driver is not None
    return chromium, driver


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """A fresh headless chromium (its own profile directory) as a selenium WebDriver."""
    chromium, driver_path = browser_paths()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (the dev extra)")
        raise
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        yield driver
    finally:
        driver.quit()
