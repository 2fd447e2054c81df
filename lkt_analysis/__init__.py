"""lkt_analysis: who pays how much for the joint projects of the health-cooperation councils around Bergen.

The public face, what the README and the notebooks use::

    import lkt_analysis as lkt
    project = lkt.load_project(lkt.paths.DEFAULT_PROJECT)
    result = lkt.distribute(project, 2019)                # computed once, shown everywhere
    lkt.compare(project, 2019, ["per_capita", "equal"])   # who gains and who loses
    lkt.sweep(project, 2019, "bergen_50", {"share": lkt.grid_range("0:1:0.01")})
    lkt.report.municipality_table(result)                 # the report's tables, sentences and charts

Everything else is in the module named after its concept (``lkt_analysis.keys``,
``lkt_analysis.population``, ...); the README's layout section lists them.
"""

from . import comparison_report, explore, paths, report
from .compare import Comparison, compare
from .distribution import Distribution, distribute
from .errors import LktError
from .keys import Key
from .planning import load_report
from .project import Project, load_project
from .sweep import grid_range, sweep
from .version import __version__

__all__ = [
    "Comparison", "Distribution", "Key", "LktError", "Project", "__version__", "compare", "comparison_report",
    "distribute", "explore", "grid_range", "load_project", "load_report", "paths", "report", "sweep",
]
