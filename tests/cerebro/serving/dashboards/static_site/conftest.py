"""A tiny crafted warehouse and dashboard specs for the static renderer, and a headless Chromium
for the browser tests (skipped, with the reason, when no Chromium is installed)."""

from __future__ import annotations

import os
import shutil

import pytest

from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.warehouse import Warehouse
from tests.cerebro.serving.dashboards.static_site.browser_pages import SCREENSHOTS
from tests.cerebro.serving.dashboards.static_site.tiny_marts import SPECS_DIR, build_tiny_warehouse


@pytest.fixture
def tiny_warehouse(tmp_path) -> Warehouse:
    return build_tiny_warehouse(tmp_path)


@pytest.fixture(scope="session")
def crafted_specs():
    return load_dashboards(SPECS_DIR)


# Headless Chromium ----------------------------------------------------------------------------

#: Debian's packages (`chromium`, `chromium-driver`); other names for other distributions.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGUMENTS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1440,1000",
)  # fmt: skip


def _find_chromium() -> tuple[str, str] | None:
    browser = os.environ.get("CEREBRO_CHROMIUM") or next(
        (found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None
    )
    driver = os.environ.get("CEREBRO_CHROMEDRIVER") or shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium driven through chromedriver (Selenium), with the browser console
    log enabled; skipped when Chromium or chromedriver is not installed."""
    found = _find_chromium()
    if found is None:
        pytest.skip(
            "no Chromium + chromedriver found (Debian: apt-get install chromium chromium-driver; "
            "or set CEREBRO_CHROMIUM and CEREBRO_CHROMEDRIVER)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = found
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: Selenium Manager (which may download drivers) is not used.
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def pytest_terminal_summary(terminalreporter) -> None:
    """List the screenshots the browser tests saved, so that they are easy to find."""
    if SCREENSHOTS:
        terminalreporter.section("static dashboards: screenshots")
        for path in SCREENSHOTS:
            terminalreporter.write_line(str(path))
