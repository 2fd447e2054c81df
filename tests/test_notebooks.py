"""The committed notebooks: thin report templates without outputs (they are executed by the batch's tests)."""

import re

import nbformat
import pytest

import lkt_analysis as lkt


@pytest.mark.parametrize("path", sorted(lkt.paths.NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_committed_notebooks_are_thin_and_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1
    assert not any(re.search(r"^\s*(def|class) |sys\.path", c.source, re.M) for c in code)
