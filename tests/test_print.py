"""Every kind of page printed as Chromium prints it (Edge and Chrome are what the councils use): on A4, within its
page budget, a running header and page numbers on every page. Reported skipped where Chromium is not installed
(.ci/run installs it)."""

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from lkt_analysis.text import words

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-pdf-header-footer"]


def printed(page: Path) -> bytes:
    """The page as Chromium prints it to PDF."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium): pages cannot be printed here")
    with tempfile.TemporaryDirectory() as profile:
        pdf = Path(profile) / "page.pdf"
        subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
        return pdf.read_bytes()


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


@pytest.mark.parametrize("language", ["nn", "nb"])
@pytest.mark.parametrize("name, most", [("lkt_fordeling_2019_bergen_50.html", 5),
                                        ("lkt_fordeling_2019_per_capita.html", 5),
                                        ("lkt_samanlikning_2019.html", 6)])
def test_each_report_prints_on_a_few_a4_pages(rendered, language, name, most):
    """A yearly report of 24 municipalities on at most 5 pages; the comparison of 8 keys on at most 6."""
    pdf = printed(rendered[language] / name.replace("samanlikning", words(language)("file.comparison")))
    assert 1 <= pages(pdf) <= most
    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert box and abs(float(box[1]) - 595.3) < 1 and abs(float(box[2]) - 841.9) < 1  # A4, in points
