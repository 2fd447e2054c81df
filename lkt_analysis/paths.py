"""Where the bundled inputs live and where outputs go.

The repository layout is fixed; every function that reads or writes takes its
path as an argument, and these constants are only the defaults.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_RAW = ROOT / "data" / "raw"
DATA_PROCESSED = ROOT / "data" / "processed"
REPORTS = ROOT / "reports"
NOTEBOOKS = ROOT / "notebooks"

DEFAULT_PROJECT = DATA_RAW / "lkt_project.toml"
REPORT_NOTEBOOK = NOTEBOOKS / "distribution_report.ipynb"
COMPARISON_NOTEBOOK = NOTEBOOKS / "key_comparison.ipynb"
EXPLORE_NOTEBOOK = NOTEBOOKS / "explore_keys.ipynb"
