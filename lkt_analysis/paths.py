"""Where the bundled inputs live and where outputs go.

The repository layout is fixed; every function that reads or writes takes its
path as an argument, and these constants are only the defaults. In a checkout
(installed with ``pip install -e .``) they are the checkout's folders. Installed
without ``-e`` (the package alone in site-packages), the inputs and outputs are
those of the current folder: ``data/raw/lkt_project.toml``, ``data/processed/`` and
``reports/``, never the installation; the report notebooks come only with a checkout.

The command line is where an analyst's current folder counts: the paths they type
are relative to it (``user_path``), and so are the outputs they do not name
(``CLI_REPORTS``, ``CLI_PROCESSED``), wherever the checkout is.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKOUT = (ROOT / "pyproject.toml").is_file() and (ROOT / "data" / "raw").is_dir()
BASE = ROOT if CHECKOUT else Path()  # Path(): relative to the current folder when used
DATA_RAW = BASE / "data" / "raw"
DATA_PROCESSED = BASE / "data" / "processed"
REPORTS = BASE / "reports"
NOTEBOOKS = ROOT / "notebooks"

DEFAULT_PROJECT = DATA_RAW / "lkt_project.toml"
REPORT_NOTEBOOK = NOTEBOOKS / "distribution_report.ipynb"
COMPARISON_NOTEBOOK = NOTEBOOKS / "key_comparison.ipynb"
EXPLORE_NOTEBOOK = NOTEBOOKS / "explore_keys.ipynb"

# The command line's outputs that the analyst does not name: under the folder they run lkt in, as every path
# they type, wherever the checkout is (relative, so that it says "open reports/index.html").
CLI_REPORTS = Path("reports")
CLI_PROCESSED = Path("data", "processed")


def user_path(text: str | os.PathLike[str]) -> Path:
    r"""A path as an analyst types it, relative to the current folder; a Windows path written with
    backslashes (``data\raw\lkt_project.toml``) works on every system.

    On Windows the backslash is the separator already; elsewhere it is taken as one unless a file
    of that very name exists (a backslash in a file name is legal there, but never one of ours).

    Example:
        >>> user_path("data\\raw\\lkt_project.toml").as_posix()
        'data/raw/lkt_project.toml'
    """
    text = os.fspath(text)
    if os.sep == "/" and "\\" in text and not os.path.lexists(text):
        text = text.replace("\\", "/")
    return Path(text)
