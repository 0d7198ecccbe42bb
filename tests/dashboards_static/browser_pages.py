"""Loading a rendered page in headless Chromium (Selenium) and reading back what it drew."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from cerebro.settings import PROJECT_ROOT

#: Screenshots of the rendered pages, kept after the session (gitignored) for people to look at.
ARTIFACTS_DIR = PROJECT_ROOT / "test-artifacts" / "dashboards"
#: The screenshots saved in this session, listed at the end of the run (conftest.py).
SCREENSHOTS: list[Path] = []
#: Per card: its kind, whether Plotly took over its chart element, the SVG layers and the
#: drawn marks (cartesian traces, pie slices, heatmap images) inside it.
CARD_STATES_JS = """
return Array.from(document.querySelectorAll('section.card')).map(function (card) {
  var plot = card.querySelector('.js-plotly-plot');
  return {
    key: card.id,
    kind: card.getAttribute('data-kind'),
    plotted: plot !== null,
    svg: plot ? plot.querySelectorAll('svg.main-svg').length : 0,
    marks: plot ? plot.querySelectorAll('g.trace, g.pielayer g.slice, g.hm image').length : 0
  };
});
"""
ALL_CHARTS_DRAWN_JS = """
return document.readyState === 'complete' &&
  Array.from(document.querySelectorAll('[data-figure]')).every(function (element) {
    return element.classList.contains('js-plotly-plot') &&
      element.querySelector('svg.main-svg') !== null;
  });
"""


@dataclass(frozen=True)
class LoadedPage:
    path: Path
    cards: list[dict]
    console_errors: list[str]

    @property
    def undrawn_charts(self) -> list[str]:
        """Chart cards without a Plotly plot, an SVG or a single drawn mark."""
        return [
            card["key"]
            for card in self.cards
            if card["kind"] == "chart" and not (card["plotted"] and card["svg"] and card["marks"])
        ]


def go_offline(driver) -> None:
    """Any request to the network fails from now on (and logs a console error), so a page that
    draws its charts works offline."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )


def load(driver, path: Path, *, timeout: float = 30) -> LoadedPage:
    """Open ``path``, wait for every chart to be drawn (or the timeout), and collect the cards'
    state and the console errors logged while loading."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(path.resolve().as_uri())
    # After the timeout, the undrawn charts are reported by the caller's assertions.
    with contextlib.suppress(TimeoutException):
        WebDriverWait(driver, timeout).until(lambda d: d.execute_script(ALL_CHARTS_DRAWN_JS))
    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    return LoadedPage(path, driver.execute_script(CARD_STATES_JS), errors)


def screenshot(driver, target: Path, width: int = 1440) -> Path:
    """The whole page (not only the window) as a PNG."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        # Plotly resizes its charts to the new width on the window's resize event.
        driver.execute_script("window.dispatchEvent(new Event('resize'));")
        driver.execute_script("return new Promise(function (done) { setTimeout(done, 400); });")
        target.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(target))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return target
