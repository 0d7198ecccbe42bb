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


#: How each chart and table of the loaded page is drawn, measured in the browser: Plotly tool
#: bars over the legend or the plot area, rotated category labels, tick labels over each other
#: or over their axis title, the value axis's tick labels; tables: whether they scroll
#: sideways inside their card and, when they are wider, whether the note says so; and the
#: figures (scalars) whose description is cut short.
DRAWING_JS = """
function box(element) { return element.getBoundingClientRect(); }
function overlap(a, b) {
  var width = Math.min(a.right, b.right) - Math.max(a.left, b.left);
  var height = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  return width > 1 && height > 1;
}
function visible(element) {
  var shown = element.getBoundingClientRect();
  return shown.width > 0 && shown.height > 0 && getComputedStyle(element).visibility !== 'hidden';
}
var plots = document.querySelectorAll('section.card .js-plotly-plot');
var charts = Array.from(plots).map(function (plot) {
  var key = plot.closest('section').id;
  var drawn = Array.from(plot.querySelectorAll('.nsewdrag, g.pielayer, g.legend'));
  var toolbars = Array.from(plot.querySelectorAll('.modebar')).filter(visible);
  var covered = toolbars.some(function (bar) {
    return drawn.some(function (part) { return overlap(box(bar), box(part)); });
  });
  var rotated = Array.from(plot.querySelectorAll('g.xtick text, g.ytick text')).some(function (t) {
    var transform = t.getAttribute('transform') || '';
    return /rotate\\((?!0[,)])/.test(transform);
  });
  var crowded = ['x', 'y'].some(function (axis) {
    var ticks = Array.from(plot.querySelectorAll('g.' + axis + 'tick text')).filter(visible);
    var titles = Array.from(plot.querySelectorAll('g.g-' + axis + 'title text')).filter(visible);
    return ticks.some(function (tick, i) {
      return titles.some(function (title) { return overlap(box(tick), box(title)); }) ||
        ticks.slice(i + 1).some(function (other) { return overlap(box(tick), box(other)); });
    });
  });
  var ticks = {};
  ['x', 'y'].forEach(function (axis) {
    ticks[axis] = Array.from(plot.querySelectorAll('g.' + axis + 'tick text')).map(function (t) {
      return t.textContent;
    });
  });
  return {key: key, toolbar: toolbars.length, covered: covered, rotated: rotated,
          crowded: crowded, ticks: ticks};
});
var tables = Array.from(document.querySelectorAll('section.card table')).map(function (table) {
  var wrap = table.parentElement;
  var card = table.closest('section');
  var note = wrap.nextElementSibling;
  var hasNote = note !== null && note.classList.contains('scroll-note') && !note.hidden &&
    /columnas? más/.test(note.textContent);
  return {
    key: card.id,
    scrolls: ['auto', 'scroll'].indexOf(getComputedStyle(wrap).overflowX) >= 0,
    inside: box(wrap).right <= box(card).right + 1 && box(wrap).left >= box(card).left - 1,
    wider: wrap.scrollWidth > wrap.clientWidth + 1,
    noted: hasNote
  };
});
var cut = Array.from(document.querySelectorAll('section.card-scalar .card-description'))
  .filter(function (text) {
    return text.scrollHeight > text.clientHeight + 1 || text.scrollWidth > text.clientWidth + 1;
  })
  .map(function (text) { return text.closest('section').id; });
return {charts: charts, tables: tables, cut_descriptions: cut};
"""


def drawing(driver) -> dict:
    """The loaded page's charts and tables as :data:`DRAWING_JS` measures them."""
    return driver.execute_script(DRAWING_JS)
