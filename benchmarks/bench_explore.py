"""Time the key explorer: the exact sweep computed once in Python, then each change in a real browser.

In Python: for each kind the explorer offers, the time to compute every variant on its grid exactly
(``explore.variants``) and pack it for the browser (``explore.payload``), median of ``--repeat``.
In the browser: JupyterLab 4 in headless Chromium opens ``notebooks/explore_keys.ipynb``, runs all
cells, and moves Bergen's share with the keyboard ``--changes`` times, one step at a time; the page
times each change from the input event (its own time stamp) to the table and chart updated and the
next frame drawn, and every change is checked against ``lkt.sweep``. The last line is
``explorer update: median NN ms``.

JupyterLab runs on a free loopback port with a token, in a temporary folder, with its news and update
checks off; it is shut down, with its kernel, at the end. Needs Debian's ``chromium`` and
``chromium-driver`` and selenium. ``tests/test_browser.py`` drives JupyterLab with the helpers here.

Usage: python benchmarks/bench_explore.py [--changes N] [--repeat N]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from fractions import Fraction
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import lkt_analysis as lkt
from lkt_analysis import explore, norwegian as no
from lkt_analysis.text import words

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000"]
LAB_CONFIG = """c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
c.LabApp.extension_manager = "readonly"
c.ServerApp.terminals_enabled = False
"""
QUIET = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
         {"fetchNews": "false", "checkForUpdates": False}}


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: its address and token, and the folder it serves."""

    url: str
    token: str
    folder: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(folder: Path, notebook: Path = lkt.paths.EXPLORE_NOTEBOOK, timeout: float = 90) -> Iterator[Lab]:
    """JupyterLab serving a copy of ``notebook`` from ``folder``, on a free loopback port with a token; its
    configuration, settings and workspaces in ``folder`` too. Shut down (kernels first) on leaving."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, folder / notebook.name)
    config = folder / "jupyter"
    (config / "config").mkdir(parents=True, exist_ok=True)
    for name in ("jupyter_lab_config.py", "jupyter_server_config.py"):
        (config / "config" / name).write_text(LAB_CONFIG, encoding="utf-8")
    for name, settings in QUIET.items():
        path = config / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings), encoding="utf-8")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config / "config"), "JUPYTER_RUNTIME_DIR": str(config / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(config / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(config / "workspaces"), "IPYTHONDIR": str(config / "ipython")}
    port, token = free_port(), secrets.token_hex(16)
    url = f"http://127.0.0.1:{port}"
    log = (folder / "jupyterlab.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}", "--LabApp.expose_app_in_browser=True",
         "--allow-root"],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not start; see {folder / 'jupyterlab.log'}") from None
                time.sleep(0.3)
        yield Lab(url, token, folder)
    finally:
        with contextlib.suppress(OSError):
            request = urllib.request.Request(f"{url}/api/shutdown?token={token}", method="POST")
            urllib.request.urlopen(request, timeout=10).close()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.terminate()
            process.wait(timeout=10)
        log.close()


def browser(profile: Path):
    """Headless Chromium (Debian's) with a fresh profile, driven by selenium through Debian's chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


def wait(driver, script: str, timeout: float, what: str):
    """Run ``script`` in the page until it returns something true; that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.1)


def open_explorer(driver, lab: Lab, notebook: str = lkt.paths.EXPLORE_NOTEBOOK.name, timeout: float = 180) -> float:
    """Open ``notebook`` in JupyterLab, run all its cells and wait for the explorer; the seconds it took."""
    start = time.perf_counter()
    driver.get(f"{lab.url}/lab/tree/{notebook}?reset&token={lab.token}")
    wait(driver, "const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
                 "return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel"
                 " && w.sessionContext.session.kernel.status === 'idle';", timeout, "the notebook's kernel starting")
    driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    wait(driver, "return document.querySelector('.lkt-x-explorer .lkt-x-chart tr[data-code]')", timeout,
         "the explorer showing")
    return time.perf_counter() - start


# Each input event's time in the page: from its time stamp (when the browser made it) to the next frame after
# the explorer's own handler (which runs first, on the slider itself) has updated the table and chart.
TIMER = """
window.lktTimes = [];
document.addEventListener('input', (event) => {
  const start = event.timeStamp;
  requestAnimationFrame(() => setTimeout(() => window.lktTimes.push(performance.now() - start), 0));
});
"""


def move(driver, changes: int, code: str = "1201") -> tuple[list[float], list[str]]:
    """Press the right arrow on the first slider ``changes`` times; each change's time (ms) and the amount of
    ``code`` then shown in the chart."""
    from selenium.webdriver.common.keys import Keys

    driver.execute_script(TIMER)
    slider = driver.find_element("css selector", ".lkt-x-explorer input[type=range]")
    amounts = []
    for done in range(1, changes + 1):
        slider.send_keys(Keys.ARROW_RIGHT)
        wait(driver, f"return window.lktTimes.length >= {done}", 10, f"change {done}")
        amounts.append(driver.execute_script(
            f"return document.querySelector(\".lkt-x-explorer .lkt-x-chart tr[data-code='{code}'] .lkt-x-c-amount\")"
            ".textContent"))
    return driver.execute_script("return window.lktTimes"), amounts


def precompute(project: lkt.Project, year: int, repeat: int) -> None:
    """Print the time to compute and pack each offered kind's variants, median of ``repeat``."""
    text = words("nb")
    base = lkt.distribute(project, year)
    for kind in explore.offered(project):
        key = explore.explored_key(project, year, kind, {}, {"share": 0.4, "fixed": 0.2}, text)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            found = explore.variants(base, key)
            explore.payload(found, text)
            times.append(time.perf_counter() - start)
        print(f"precompute {kind:<22} {found.amounts.shape[0]:>6} variants x {found.amounts.shape[1]}: "
              f"{statistics.median(times) * 1000:6.1f} ms (median of {repeat})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=30, help="slider changes timed in the browser (default 30)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each precompute (default 5)")
    args = parser.parse_args()
    project = lkt.load_project(lkt.paths.DEFAULT_PROJECT)
    precompute(project, 2019, args.repeat)
    start = time.perf_counter()
    explore.explorer(project, 2019)
    print(f"explorer widget made (first time, references and anywidget included): "
          f"{(time.perf_counter() - start) * 1000:.0f} ms")

    with tempfile.TemporaryDirectory(prefix="lkt-bench-explore-") as folder:
        with jupyterlab(Path(folder) / "lab") as lab:
            driver = browser(Path(folder) / "profile")
            try:
                opened = open_explorer(driver, lab)
                times, shown = move(driver, args.changes)
            finally:
                driver.quit()
    shares = [Fraction(40 + step, 100) for step in range(1, args.changes + 1)]  # from 40 %, one step a change
    swept = lkt.sweep(project, 2019, "bergen_50", {"share": shares})
    expected = swept[swept["code"] == "1201"]["amount_nok"].map(no.number).tolist()
    if shown != expected:
        raise SystemExit(f"the explorer showed {shown}, the library gives {expected}")
    print(f"JupyterLab: notebook opened, run and explorer shown in {opened:.1f} s")
    print(f"{len(times)} changes of Bergen's share (keyboard), each checked against lkt.sweep: "
          f"min {min(times):.1f} ms, max {max(times):.1f} ms")
    print(f"explorer update: median {statistics.median(times):.0f} ms")


if __name__ == "__main__":
    main()
