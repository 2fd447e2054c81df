"""lkt_analysis: who pays how much for the joint projects of the health-cooperation councils around Bergen.

The public API::

    import lkt_analysis as lkt
    project = lkt.load_project(lkt.paths.DEFAULT_PROJECT)
    result = lkt.distribute(project, 2019)                # computed once, shown everywhere
    lkt.compare(project, 2019, ["per_capita", "equal"])   # who gains and who loses
    lkt.sweep(project, 2019, "bergen_50", {"share": lkt.grid_range("0:1:0.01")})
"""

from .version import __version__

from . import batch, comparison_report, explore, new_project, paths, planning, report
from .planning import load_report
from .allocate import apportion, apportion_rows
from .budget import group_totals, read_budget
from .compare import Comparison, compare
from .distribution import Distribution, allocation, distribute, distribute_years
from .errors import InputError, KeyDefinitionError, LktError, OutputError, ParameterError
from .keys import KINDS, Key, describe, label, shares, variant
from .population import read_municipalities, read_population
from .project import Project, load_project, members, municipal_key, new_cost
from .sweep import grid_range, sweep

__all__ = [
    "KINDS", "Comparison", "Distribution", "InputError", "Key", "KeyDefinitionError", "LktError", "OutputError",
    "ParameterError", "Project", "allocation", "apportion", "apportion_rows", "batch", "compare",
    "comparison_report", "describe", "distribute", "distribute_years", "explore", "grid_range", "group_totals",
    "label", "load_project", "members", "municipal_key", "new_cost", "paths", "read_budget",
    "read_municipalities", "read_population", "report", "shares", "sweep", "variant",
    "write_comparison_workbook", "write_workbook",
]


def __getattr__(name: str) -> object:
    """The spreadsheet writers, imported when first used: openpyxl takes 65 ms to import, and a report's
    kernel never writes a spreadsheet."""
    if name in ("write_workbook", "write_comparison_workbook"):
        from . import workbook

        return getattr(workbook, name)
    raise AttributeError(f"module 'lkt_analysis' has no attribute '{name}'")
