"""Writing outputs (lkt_analysis.outputs): whole files or none, text that stays text, the same bytes for the
same inputs."""

import errno
import os
import subprocess

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


@pytest.fixture
def small_disk(tmp_path):
    """A filesystem of 200 KB (a tmpfs, where this machine lets the tests mount one), else None."""
    folder = tmp_path / "small"
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(folder)],
                      capture_output=True).returncode != 0:
        yield None
        return
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


def test_a_full_disk_is_one_line_and_leaves_the_earlier_output(small_disk, tmp_path, monkeypatch, capsys):
    from lkt_analysis.cli import main

    folder = small_disk or tmp_path
    (folder / "a.csv").write_text("earlier", encoding="utf-8")
    if small_disk is not None:  # a real full disk: fill it up
        with (folder / "filler").open("wb", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"x" * 4096)
            except OSError:
                pass
    else:  # where no filesystem can be mounted, the error is injected
        def full(*args, **kwargs):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    assert main(["allocate", "--year", "2019", "-o", str(folder / "a.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a.csv: cannot be written: the disk is full; make room and run again" in err
    assert (folder / "a.csv").read_text(encoding="utf-8") == "earlier"
    assert sorted(p.name for p in folder.iterdir()) == sorted(["a.csv"] + (["filler"] if small_disk else []))


def test_a_file_open_in_another_program_says_close_it(tmp_path, monkeypatch, capsys):
    """On Windows, a workbook open in Excel cannot be replaced: the commonest output fault there."""
    from lkt_analysis.cli import main

    def in_use(source, target):
        raise PermissionError(errno.EACCES, "The process cannot access the file", str(target))

    monkeypatch.setattr(os, "replace", in_use)
    assert main(["allocate", "--year", "2019", "-o", str(tmp_path / "v3.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "it is open in another program (Excel?)" in err and "close it there" in err
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_reports_folder_is_one_line(small_disk, capsys):
    from lkt_analysis.cli import main

    if small_disk is None:
        pytest.skip("this machine cannot mount a read-only filesystem for the test")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    assert main(["report", "--years", "2019", "--out", str(small_disk)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the folder is read-only" in err
    assert main(["allocate", "--year", "2019", "-o", str(small_disk / "a.csv")]) == 2
    assert "the folder is read-only" in capsys.readouterr().err
