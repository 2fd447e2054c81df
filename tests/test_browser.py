"""The explorer's front end in a real browser: "Prøv sjølv" from file:// in headless Chromium, and the
explorer in JupyterLab (slow). Skipped, with the reason, where Chromium, its driver or selenium is missing
(``.ci/run`` installs Chromium, so that CI runs them)."""

from __future__ import annotations

import shutil
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lkt_analysis as lkt
from lkt_analysis import norwegian as no
from lkt_analysis.explore import tryout
from lkt_analysis.keys import Key

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1100,1400"]


def chromium() -> tuple[str, str]:
    """Chromium and its driver (Debian's ``chromium`` and ``chromium-driver``), or skip the test."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    return browser, driver


def start_browser(profile: Path):
    """Headless Chromium with a fresh profile, its console kept (selenium's driver, no network)."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    browser, driver = chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


@pytest.fixture(scope="module")
def browser():
    profile = Path(tempfile.mkdtemp(prefix="lkt-chromium-"))
    driver = start_browser(profile)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def page(project, tmp_path_factory):
    """A minimal page holding the report's "Prøv sjølv" for 2019 (nynorsk), as a reader opens it."""
    fragment = tryout(lkt.compare(project, 2019, ["per_capita", "equal"]), "nn")
    path = tmp_path_factory.mktemp("page") / "samanlikning.html"
    path.write_text(f'<!DOCTYPE html><html lang="nn"><head><meta charset="utf-8"><title>Samanlikning</title>'
                    f"</head><body><main>{fragment.html}</main></body></html>", encoding="utf-8")
    return path


# Sets the sliders to every position in turn (as a reader's input event would) and reads the table each time.
READ_EVERY_POSITION = """
const root = document.querySelector('.lkt-x-tryout');
const [share, fixed] = root.querySelectorAll('.lkt-x-screen input[type=range]');
const read = (c) => [...root.querySelectorAll('.lkt-x-screen tbody tr[data-code]')].map(
    (tr) => [tr.dataset.code, tr.querySelector('.lkt-x-c-' + c).textContent]);
const out = [];
for (let i = 0; i <= Number(share.max); i++) {
  for (let j = 0; j <= Number(fixed.max); j++) {
    share.value = i; share.dispatchEvent(new Event('input'));
    fixed.value = j; fixed.dispatchEvent(new Event('input'));
    out.push({amount: read('amount'), diff: read('diff'), per: read('per')});
  }
}
return out;
"""


def test_tryout_shows_the_librarys_exact_amounts_for_every_position_of_its_sliders(browser, page, project):
    browser.get(page.as_uri())
    root = browser.find_element("css selector", ".lkt-x-tryout")
    assert not root.find_elements("css selector", ".lkt-x-noscript")  # the script ran, from file://
    shown = browser.execute_script(READ_EVERY_POSITION)

    key = Key("prøv", "anchor_plus_fixed", {"code": "1201", "share": 0.5, "fixed": 0})
    grid = {"share": lkt.grid_range("0:1:0.01"), "fixed": lkt.grid_range("0:0.5:0.05")}
    swept = lkt.sweep(project, 2019, key, grid)
    adopted = lkt.distribute(project, 2019).municipalities.set_index("code")
    population = adopted["population"].astype(int)
    assert len(shown) == 101 * 11 == swept["variant"].nunique()
    for (variant, rows), state in zip(swept.groupby("variant"), shown):
        amounts = rows.set_index("code")["amount_nok"].astype(int)
        assert {c: t for c, t in state["amount"]} == {c: no.number(a) for c, a in amounts.items()}
        assert {c: t for c, t in state["diff"]} == {
            c: no.signed(a - adopted.at[c, "amount_nok"]) for c, a in amounts.items()}
        assert {c: t for c, t in state["per"]} == {c: no.number(a / population[c], 2) for c, a in amounts.items()}
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_tryout_moved_by_the_keyboard_then_printed(browser, page, project):
    from selenium.webdriver.common.keys import Keys  # the browser fixture has skipped where selenium is missing

    browser.get(page.as_uri())
    opened = browser.find_element("css selector", ".lkt-x-screen .lkt-x-figures").get_attribute("textContent")
    assert "Alle kommunane betalar det same som med den vedtekne nøkkelen." in opened  # not "0 ... og 0 mindre"
    share, fixed = browser.find_elements("css selector", ".lkt-x-screen input[type=range]")
    share.send_keys(*[Keys.ARROW_LEFT] * 10)  # Bergen 50 % -> 40 %
    fixed.send_keys(*[Keys.ARROW_RIGHT] * 4)  # 0 -> 20 % of the rest equally
    values = [e.get_attribute("textContent") for e in browser.find_elements("css selector", ".lkt-x-screen output")]
    assert values == ["40\xa0%", "20\xa0%"]
    expected = lkt.sweep(project, 2019, Key("prøv", "anchor_plus_fixed", {"code": "1201", "share": 0.4, "fixed": 0.2}),
                         {"share": [0.4], "fixed": [0.2]}).set_index("code")["amount_nok"]

    def cell(code: str, column: str, part: str = "screen") -> str:
        return browser.find_element(
            "css selector", f".lkt-x-{part} tr[data-code='{code}'] .lkt-x-c-{column}").get_attribute("textContent")

    assert cell("1201", "amount") == no.number(expected["1201"]) == "610\xa0000"
    assert cell("1252", "amount") == no.number(expected["1252"])  # Modalen, the smallest
    total = browser.find_element("css selector", ".lkt-x-screen .lkt-x-total .lkt-x-c-amount")
    assert total.get_attribute("textContent") == "1\xa0525\xa0000"  # they add up to the municipalities' total

    browser.find_element("css selector", ".lkt-x-screen select[data-choice=highlight]").send_keys("Modalen")
    figures = browser.find_element("css selector", ".lkt-x-screen .lkt-x-figures").get_attribute("textContent")
    assert f"Modalen betalar {no.kroner(expected['1252'])}" in figures and "av kommunane betalar meir" in figures

    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element("css selector", ".lkt-x-screen").is_displayed()
        note = browser.find_element("css selector", ".lkt-x-print p").get_attribute("textContent")
        assert note.startswith(f"Utskrifta viser den vedtekne nøkkelen, «{lkt.distribute(project, 2019).key_label}»")
        assert cell("1201", "amount", "print") == "762\xa0500"  # the adopted key, whatever the sliders show
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    browser.find_element("css selector", ".lkt-x-screen button").click()  # back to the adopted key
    assert cell("1201", "amount") == "762\xa0500" and cell("1201", "diff") == "0"
    browser.save_screenshot(str(page.with_suffix(".png")))


def test_tryout_sorted_by_change(browser, page):
    browser.get(page.as_uri())
    share = browser.find_element("css selector", ".lkt-x-screen input[type=range]")
    browser.execute_script("arguments[0].value = 40; arguments[0].dispatchEvent(new Event('input'))", share)
    browser.find_element("css selector", ".lkt-x-screen select[data-choice=sort]").send_keys("Endring")
    diffs = [int(e.get_attribute("textContent").replace("\xa0", "").replace("\u2212", "-").replace("+", ""))
             for e in browser.find_elements("css selector", ".lkt-x-screen tr[data-code] .lkt-x-c-diff")]
    assert diffs == sorted(diffs, reverse=True) and diffs[-1] < 0 < diffs[0]
    assert np.sum(diffs) == 0


@pytest.mark.slow
def test_the_explorer_in_jupyterlab_answers_with_the_librarys_amounts(project, tmp_path):
    """JupyterLab 4 in headless Chromium: open the notebook, run all, move Bergen's share with the keyboard."""
    pytest.importorskip("selenium", reason="selenium is not installed")
    chromium()
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    bench = _bench()
    with bench.jupyterlab(tmp_path) as lab:
        driver = start_browser(tmp_path / "profile")
        try:
            bench.open_explorer(driver, lab)
            times, shown = bench.move(driver, 10)
            expected = lkt.sweep(project, 2019, "bergen_50", {"share": [Fraction(40 + i, 100) for i in range(1, 11)]})
            bergen = expected[expected["code"] == "1201"]["amount_nok"].map(no.number).tolist()
            assert shown == bergen

            # another kind: one round trip to the kernel, then its second slider moves at once
            Select(driver.find_element("css selector", ".lkt-x-explorer select[data-choice=kind]")) \
                .select_by_value("anchor_plus_fixed")
            bench.wait(driver, "return document.querySelectorAll('.lkt-x-explorer input[type=range]').length == 2",
                       60, "the second slider")
            fixed = driver.find_elements("css selector", ".lkt-x-explorer input[type=range]")[1]
            fixed.send_keys(Keys.ARROW_RIGHT)  # 20 % -> 21 % of the rest equally
            key = Key("x", "anchor_plus_fixed", {"code": "1201", "share": Fraction(1, 2), "fixed": Fraction(21, 100)})
            modalen = lkt.distribute(project, 2019, key).municipalities.set_index("code").at["1252", "amount_nok"]
            bench.wait(driver, "return document.querySelector(\".lkt-x-explorer .lkt-x-chart tr[data-code='1252'] "
                               f".lkt-x-c-amount\").textContent === '{no.number(modalen)}'", 10, "Modalen's amount")
            command = driver.find_element("css selector", ".lkt-x-explorer .lkt-x-command").get_attribute("textContent")
            assert command.endswith("share = 0.5\nfixed = 0.21\n\nlkt report --years 2019 --key utforska")

            # the export: made in the kernel from the library's result, downloaded by the browser
            downloads = tmp_path / "downloads"
            driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
            driver.find_element("css selector", ".lkt-x-explorer button[data-export=csv]").click()
            csv = downloads / "lkt_2019_utforska_share-0.5_fixed-0.21.csv"
            deadline = time.monotonic() + 30
            while not csv.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            table = pd.read_csv(csv, dtype={"Kommunenr.": str}).set_index("Kommunenr.")
            amounts = table["Denne nøkkelen (kr)"]
            assert amounts["1252"] == modalen and amounts.sum() == 1_525_000
            assert not [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            driver.save_screenshot(str(tmp_path / "explorer.png"))
        finally:
            driver.quit()


def _bench():
    """benchmarks/bench_explore.py, which drives JupyterLab for the benchmark and for this test."""
    import importlib.util
    import sys

    if "bench_explore" not in sys.modules:
        path = lkt.paths.ROOT / "benchmarks" / "bench_explore.py"
        spec = importlib.util.spec_from_file_location("bench_explore", path)
        sys.modules["bench_explore"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["bench_explore"])
    return sys.modules["bench_explore"]
