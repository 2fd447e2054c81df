"""The report page (lkt_analysis.page): an executed notebook as one self-contained page, no code shown."""

import nbformat
import pytest

from lkt_analysis.page import export_html


@pytest.mark.parametrize("fast", [True, False])
def test_a_page_shows_outputs_and_prose_never_code(tmp_path, fast):
    notebook = nbformat.v4.new_notebook()
    svg = ('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"> <metadata>m</metadata> '
           '<path d="M 1.234567 2"/></svg>')
    code = nbformat.v4.new_code_cell("secret_code = 1", outputs=[
        nbformat.v4.new_output("display_data", data={"text/markdown": "**1\xa0525\xa0000\xa0kr**"}),
        nbformat.v4.new_output("display_data", data={"image/svg+xml": svg})])
    notebook.cells = [nbformat.v4.new_markdown_cell("## Kommunene"), code]
    path = tmp_path / "n.ipynb"
    nbformat.write(notebook, path)
    page = export_html(path, "LKT <fordeling> 2019", language="nn", fast=fast)
    assert "secret_code" not in page and "Kommunene" in page and "1\xa0525\xa0000\xa0kr" in page
    assert "<title>LKT &lt;fordeling&gt; 2019</title>" in page
    assert '<path d="M 1.23 2"' in page and "<metadata>" not in page  # the chart inline, made small
    assert "<script src" not in page and "size: A4;" in page
