"""A batch's claim on its output folder (lkt_analysis.staging): what a dead batch left is removed by the next,
what a running one writes never is, and a killed batch's processes stop and move nothing more."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from lkt_analysis import staging
from lkt_analysis.batch import run_reports


def test_the_next_batch_removes_what_a_dead_batch_left_and_never_what_a_running_one_writes(tmp_path):
    dead, alive = tmp_path / ".lkt-batch.deadbeef0000.lock", tmp_path / ".lkt-batch.a11ve0000000.lock"
    dead.touch()
    (tmp_path / ".lkt_fordeling_2019_x.deadbeef0000.abc").mkdir()
    (tmp_path / ".lkt_fordeling_2019_x.deadbeef0000.abc" / "prepared.pickle").write_bytes(b"x")
    (tmp_path / ".lkt_fordeling_2019_x.a11ve0000000.def").mkdir()
    (tmp_path / "mine.txt").write_text("an analyst's own file", encoding="utf-8")
    with alive.open("a+b") as held:  # a batch still running holds its lock
        assert staging._lock(held)
        with staging.claim(tmp_path) as token:
            assert (tmp_path / f".lkt-batch.{token}.lock").is_file()
            assert staging.staging_folder(tmp_path, "lkt_fordeling_2019_y", token).name.startswith(
                f".lkt_fordeling_2019_y.{token}.")
        names = sorted(p.name for p in tmp_path.iterdir())
        assert ".lkt-batch.a11ve0000000.lock" in names and ".lkt_fordeling_2019_x.a11ve0000000.def" in names
        assert "mine.txt" in names and not any(token in name for name in names)  # its lock and staging go
        assert not dead.exists() and not (tmp_path / ".lkt_fordeling_2019_x.deadbeef0000.abc").exists()
    assert staging.remove_dead(tmp_path) == ["a11ve0000000"]  # let go: now it is a dead batch's
    assert not (tmp_path / ".lkt_fordeling_2019_x.a11ve0000000.def").exists()


def _marked(mark: str) -> list[int]:
    """The processes whose environment carries ``mark``: a batch's main process, its workers and kernels."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and mark.encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def _folder(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in out.iterdir()} if out.exists() else {}


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the batch's processes in /proc (Linux)")
@pytest.mark.parametrize("after", [0.8, 2.5, 4.5])
def test_a_killed_batch_leaves_no_process_and_moves_nothing_more(tmp_path, after):
    mark = f"LKT_TEST_BATCH={uuid.uuid4().hex}"
    out = tmp_path / "out"
    batch = subprocess.Popen(
        [sys.executable, "-m", "lkt_analysis", "report", "--years", "2018", "2019", "--keys", "bergen_50",
         "equal", "per_capita", "--jobs", "2", "--out", str(out)],
        env={**os.environ, mark.split("=")[0]: mark.split("=")[1]}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    time.sleep(after)
    batch.send_signal(signal.SIGKILL)
    batch.wait()
    deadline = time.monotonic() + 10
    while _marked(mark) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _marked(mark) == [], "a worker or kernel outlived its batch"
    before = _folder(out)
    time.sleep(1.5)
    assert _folder(out) == before  # nothing more moved in
    assert run_reports(years=[2019], keys=["equal"], out=out)[0].error is None
    left = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert left == [], left  # the next batch removed the dead one's staging folders and lock
