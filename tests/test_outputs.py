"""Writing outputs (lkt_analysis.outputs): whole files or none, text that stays text, the same bytes for the
same inputs."""

import pandas as pd
import pytest
from openpyxl import Workbook

from lkt_analysis.errors import OutputError, ParameterError
from lkt_analysis.outputs import atomic_path, made_at, save_workbook, write_csv


def test_a_failed_write_leaves_the_old_file_and_nothing_else(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_path(path) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("stopped")
    assert path.read_text(encoding="utf-8") == "old" and [p.name for p in tmp_path.iterdir()] == ["a.csv"]
    with pytest.raises(OutputError, match="is a folder"):
        with atomic_path(tmp_path):
            pass


def test_text_that_starts_like_a_formula_stays_text_in_csv(tmp_path):
    frame = pd.DataFrame({"name": ["=HYPERLINK(1)", "+1", "Bergen"], "amount": [-5, 1, 2]})
    write_csv(frame, tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_text(encoding="utf-8").splitlines() == [
        "name,amount", "'=HYPERLINK(1),-5", "'+1,1", "Bergen,2"]  # numbers stay numbers


def test_the_same_workbook_on_the_same_day_is_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764028800")
    for name in ("a.xlsx", "b.xlsx"):
        book = Workbook()
        book.active["A1"] = "Vedlegg 3"
        save_workbook(book, tmp_path / name)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert made_at().isoformat() == "2025-11-25T00:00:00+00:00"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ParameterError, match="SOURCE_DATE_EPOCH 'yesterday'"):
        made_at()
