"""lkt_analysis: who pays how much for the joint projects of the health-cooperation councils around Bergen.

The public API::

    import lkt_analysis as lkt
    project = lkt.load_project(lkt.paths.DEFAULT_PROJECT)
    lkt.allocation(project, 2019, key="bergen_50")
"""

from . import batch, paths, report
from .allocate import apportion
from .budget import group_totals, read_budget
from .errors import InputError, KeyDefinitionError, LktError, ParameterError
from .keys import KINDS, Key, describe, shares
from .population import read_municipalities, read_population
from .project import Project, allocation, load_project, members, municipal_key, new_cost
from .workbook import write_workbook

__version__ = "0.1.0"

__all__ = [
    "KINDS", "InputError", "Key", "KeyDefinitionError", "LktError", "ParameterError", "Project",
    "allocation", "apportion", "describe", "group_totals", "load_project", "members", "municipal_key",
    "batch", "new_cost", "paths", "read_budget", "read_municipalities", "read_population", "report", "shares",
    "write_workbook",
]
