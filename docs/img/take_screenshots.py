"""Retake the README's screenshots from the demo (run `make demo` first).

    .venv/bin/python docs/img/take_screenshots.py             # both
    .venv/bin/python docs/img/take_screenshots.py dagster     # or only one: dashboard | dagster

``dashboard.png``: the "Resumen ejecutivo" page of casafacil_cl, rendered afresh from the
warehouse into a temporary folder (the renderer of `cerebro dashboards render`), so it shows
the current code. ``dagster-graph.png``: the Dagster UI's global asset graph, groups collapsed,
from a read-only ``dagster-webserver`` on a free localhost port with the run history `make demo`
recorded (DAGSTER_HOME = the data folder's ``dagster_home``); the server is stopped afterwards.

Both drive headless Chromium through chromedriver (Debian: ``chromium``, ``chromium-driver``;
elsewhere set CEREBRO_CHROMIUM and CEREBRO_CHROMEDRIVER, as the browser tests do).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

IMG_DIR = Path(__file__).resolve().parent
ROOT = IMG_DIR.parents[1]
TENANT = "casafacil_cl"
DASHBOARD = "resumen_ejecutivo"
#: A README picture is read at about this width; larger files slow the page for little gain.
MAX_BYTES = 400_000

# Every chart card of a static page has a Plotly plot with its SVG (as the browser tests wait).
CHARTS_DRAWN_JS = """
return document.readyState === 'complete' &&
  Array.from(document.querySelectorAll('[data-figure]')).every(function (element) {
    return element.classList.contains('js-plotly-plot') &&
      element.querySelector('svg.main-svg') !== null;
  });
"""
# The asset graph's nodes are SVG foreignObjects; below a zoom of 0.6 Dagster draws them
# "minimal" (name only), and each group node says "fetching statuses" until its counts arrive.
GRAPH_NODES_JS = "return document.querySelectorAll('svg foreignObject').length;"
GRAPH_READY_JS = """
var nodes = Array.from(document.querySelectorAll('svg foreignObject'));
var text = nodes.map(function (node) { return node.textContent; }).join(' ');
return nodes.length > 0 && document.querySelector('svg [class*=minimal]') === null &&
  !text.includes('fetching statuses');
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shots", nargs="*", metavar="dashboard|dagster", help="default: both")
    args = parser.parse_args(argv)
    args.shots = args.shots or ["dashboard", "dagster"]
    if unknown := set(args.shots) - {"dashboard", "dagster"}:
        parser.error(f"unknown screenshot: {', '.join(sorted(unknown))}")
    os.chdir(ROOT)  # the settings, the dbt project and the data folder are found from here
    with chromium() as driver:
        if "dashboard" in args.shots:
            report(dashboard_screenshot(driver, IMG_DIR / "dashboard.png"))
        if "dagster" in args.shots:
            report(dagster_screenshot(driver, IMG_DIR / "dagster-graph.png"))
    return 0


def dashboard_screenshot(driver, target: Path, width: int = 1400, height: int = 900) -> Path:
    """The first screen of the tenant's "Resumen ejecutivo" page, every chart drawn."""
    from cerebro.serving.dashboards.static_site import render_site
    from cerebro.settings import load_settings
    from cerebro.warehouse import Warehouse

    with tempfile.TemporaryDirectory(prefix="cerebro-screenshot-") as out:
        site = render_site(Warehouse(load_settings()), Path(out), tenant_ids=[TENANT])
        failed = [f for f in site.failures if f.startswith(f"{TENANT}/{DASHBOARD}/")]
        if failed:
            raise SystemExit("cards failed on the page:\n  " + "\n  ".join(failed))
        set_viewport(driver, width, height)
        driver.get((Path(out) / TENANT / f"{DASHBOARD}.html").as_uri())
        wait_for(driver, CHARTS_DRAWN_JS, timeout=60, what="the page's charts")
        time.sleep(0.5)  # Plotly's transitions
        driver.save_screenshot(str(target))
    return target


def dagster_screenshot(driver, target: Path, width: int = 1640, height: int = 780) -> Path:
    """The global asset graph with its group nodes at full size and their status counts.

    1640 px is about the narrowest window in which the whole graph, fitted, stays above the
    zoom where Dagster shrinks nodes to their bare names."""
    with dagster_webserver() as base_url:
        set_viewport(driver, width, height)
        driver.get(f"{base_url}/server_info")  # same origin, to set the UI's stored choices
        # No "join the community" dialog; the left navigation folded to its icons.
        driver.execute_script(
            "localStorage.setItem('communityNux', '1');"
            "localStorage.setItem('dagster-nav-collapsed', 'true');"
        )
        driver.get(f"{base_url}/asset-groups")
        wait_for(driver, GRAPH_NODES_JS, timeout=300, what="the asset graph")
        # Hide the list of groups beside the graph, then double-click the background: Dagster
        # fits the graph to the space it now has.
        driver.execute_script(
            "document.querySelector('button [aria-label=panel_show_right]')"
            ".closest('button').click();"
        )
        time.sleep(1)
        driver.execute_script(
            """var svg = document.querySelector('svg foreignObject').ownerSVGElement;
            var box = svg.parentElement.getBoundingClientRect();
            svg.parentElement.dispatchEvent(new MouseEvent('dblclick',
              {bubbles: true, clientX: box.left + 5, clientY: box.top + 5}));"""
        )
        wait_for(driver, GRAPH_READY_JS, timeout=240, what="the group nodes and their statuses")
        time.sleep(1)  # the fitting is animated
        driver.save_screenshot(str(target))
    return target


@contextlib.contextmanager
def dagster_webserver() -> Iterator[str]:
    """A read-only dagster-webserver on a free localhost port (stopped on exit), as the README's
    `make dagster` would load it, without the daemon (no schedule or sensor may start a run)."""
    from cerebro.settings import load_settings

    module = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["dagster"]["module_name"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DAGSTER_HOME": str(Path(load_settings().dagster_home).resolve())}
    command = [
        str(Path(sys.executable).with_name("dagster-webserver")),
        *("-m", module, "-h", "127.0.0.1", "-p", str(port), "--read-only"),
    ]
    log_path = Path(tempfile.gettempdir()) / f"dagster-webserver-{port}.log"
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)
        try:
            deadline = time.monotonic() + 300  # the code location loads the dbt manifest first
            while not _answers(f"{base_url}/server_info"):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"dagster-webserver did not start; its log: {log_path}")
                time.sleep(1)
            yield base_url
        finally:
            # Its own process group: the webserver and its code server stop together.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def chromium() -> Iterator:
    """Headless Chromium through chromedriver, found as the browser tests find it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    names = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    browser = os.environ.get("CEREBRO_CHROMIUM") or next(
        filter(None, map(shutil.which, names)), None
    )
    driver_path = os.environ.get("CEREBRO_CHROMEDRIVER") or shutil.which("chromedriver")
    if not (browser and driver_path):
        raise SystemExit(
            "no Chromium + chromedriver (Debian: apt-get install chromium chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     "--disable-dev-shm-usage", "--disable-background-networking"):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def set_viewport(driver, width: int, height: int) -> None:
    """The page's size in CSS pixels, whatever the window's decorations take."""
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def wait_for(driver, script: str, *, timeout: float, what: str) -> None:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    condition: Callable = lambda d: d.execute_script(script)  # noqa: E731
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.5).until(condition)
    except TimeoutException:
        seen = Path(tempfile.gettempdir()) / "take_screenshots-timeout.png"
        driver.save_screenshot(str(seen))
        raise SystemExit(
            f"timed out after {timeout:.0f} s waiting for {what}; the page: {seen}"
        ) from None


def report(path: Path) -> None:
    size = path.stat().st_size
    note = "" if size <= MAX_BYTES else f" (over {MAX_BYTES // 1000} KB: use a smaller window)"
    print(f"{path.relative_to(ROOT)}: {size // 1000} KB{note}")


if __name__ == "__main__":
    sys.exit(main())
