"""The batch's fast path (lkt_analysis.fastpath) and its public fallback: whatever internal is missing or fails,
every report is made, with one warning."""

import warnings
from importlib import import_module

import pytest

from lkt_analysis import fastpath
from lkt_analysis.batch import FastPathWarning, run_reports
from lkt_analysis.cli import main


def test_every_internal_is_here_and_the_provisioner_is_registered():
    assert fastpath.problems() == []


def _owner(name: str):
    module, _, attribute = name.rpartition(".")
    parts = module.split(".")
    for split in range(len(parts), 0, -1):
        try:
            owner = import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for part in parts[split:]:
            owner = getattr(owner, part)
        return owner, attribute
    raise AssertionError(name)


def _made(outcomes) -> bool:
    return len(outcomes) == 2 and all(o.error is None and o.files for o in outcomes)


@pytest.mark.slow
@pytest.mark.parametrize("internal", [*fastpath.INTERNALS, "entry point", "signature"])
def test_without_an_internal_the_batch_takes_the_public_path(internal, tmp_path, monkeypatch):
    if internal == "entry point":
        monkeypatch.setattr(fastpath, "entry_points", lambda **_: ())
        expected = "'lkt-forking' is not registered"
    elif internal == "signature":
        owner, attribute = _owner("jupyter_client.manager.KernelManager._async_wait")
        monkeypatch.setattr(owner, attribute, lambda self, interval=0.1: None)
        expected = "_async_wait takes"
    else:
        monkeypatch.setattr(*_owner(internal), None)
        expected = f"{internal} is missing"
    assert any(expected in problem for problem in fastpath.problems())
    with pytest.warns(FastPathWarning, match="the fast kernel path is not available here"):
        outcomes = run_reports(years=[2019], keys=["bergen_50", "equal"], jobs=2, out=tmp_path)
    assert _made(outcomes)


@pytest.mark.slow
def test_a_fast_path_that_fails_at_run_time_falls_back_for_the_runs_it_concerns(tmp_path, monkeypatch, capsys):
    async def broken(self, cmd, **kwargs):
        raise RuntimeError("no fork today")

    monkeypatch.setattr(fastpath.ForkingProvisioner, "launch_kernel", broken)  # forked workers inherit it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcomes = run_reports(years=[2019], keys=["bergen_50", "equal"], jobs=2, out=tmp_path / "a")
    assert _made(outcomes) and all(o.fallback == "RuntimeError: no fork today" for o in outcomes)
    assert [str(w.message) for w in caught if w.category is FastPathWarning] == [
        "the fast kernel path failed (RuntimeError: no fork today): the reports it concerns were made on the "
        "public path"]
    assert main(["report", "--years", "2018", "--out", str(tmp_path / "b")]) == 0
    err = capsys.readouterr().err
    assert err.count("lkt: warning: the fast kernel path failed") == 1 and err.count("lkt:") == 1
