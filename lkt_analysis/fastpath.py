"""The batch's fast path: where speed builds on libraries' internals, all of it in this module, behind the
public path of ``kernels`` and nbconvert's own exporter, which the batch takes whenever something here is
missing or fails.

What it saves, per report (``benchmarks/bench_phases.py``; 8 reports took 9.9 s this way
against 15.4 s on the public path, with 40 % less CPU):

- **Starting Python.** Where the OS can fork safely (Linux), a kernel is a fork of the
  batch's worker, which has imported what a report needs once (``preload``): the same
  ipykernel, sockets and messages, in a fresh process with nothing run in it. The fork
  is a kernel provisioner (jupyter_client's public extension point, registered as the
  entry point ``lkt-forking``); the child clears the parent's running event loop
  (``asyncio.events._set_running_loop``).
- **Idle waits.** jupyter_client ends a kernel's start with 0.2 s of silence on IOPub
  (``KernelClient._async_wait_for_ready``) and polls every 0.1 s for a stopped
  kernel's end (``KernelManager._async_wait``); here ``QUIET`` and ``REAP``.
- **The page's last pass.** nbconvert's HTML exporter parses the finished page again
  with BeautifulSoup to give ``<img>`` alt texts and JupyterLab's cells a tabindex (0.16 s
  a page); these pages have neither, so the fast exporter skips it
  (``HTMLExporter._init_resources``).

``problems()`` names each internal that is missing or not as expected; the batch then
takes the public path for every report, with one warning line.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import sys
from collections.abc import Mapping
from functools import cache
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import DottedObjectName, Type, default

from .kernels import BatchKernelManager, SteppingKernelClient

QUIET = 0.02  # seconds of silence on IOPub that end a kernel's start (jupyter_client: 0.2)
REAP = 0.005  # seconds between checks that a stopped kernel has ended (jupyter_client: 0.1)
PROVISIONER = "lkt-forking"  # entry point in the group jupyter_client.kernel_provisioners (pyproject.toml)
PRELOAD = (  # what a report kernel imports: the kernel (its magics, history), the libraries, the reports
    "ipykernel.kernelapp", "ipykernel.ipkernel", "IPython.core.magics", "sqlite3",
    "IPython.extensions.storemagic", "matplotlib.pyplot", "matplotlib.backends.backend_svg",
    "matplotlib_inline.backend_inline", "pandas.io.formats.style", "lkt_analysis.report",
    "lkt_analysis.comparison_report", "lkt_analysis.planning",
)
# The internals the fast path builds on: where to find each, and the parameters it must take.
INTERNALS: dict[str, tuple[str, ...]] = {
    "jupyter_client.manager.KernelManager._async_wait": ("self", "pollinterval"),
    "jupyter_client.client.KernelClient._async_wait_for_ready": ("self", "timeout"),
    "asyncio.events._set_running_loop": ("loop",),
    "nbconvert.exporters.html.HTMLExporter._init_resources": ("self", "resources"),
}


def problems() -> list[str]:
    """What the fast path needs and does not find here, in words; empty when it can be taken.

    Example:
        >>> problems()
        []
    """
    found = []
    for name, parameters in INTERNALS.items():
        module, _, attribute = name.rpartition(".")
        owner: Any = None
        for split in range(module.count(".") + 1, 0, -1):  # the longest importable prefix, then attributes
            try:
                owner = import_module(".".join(module.split(".")[:split]))
            except ImportError:
                continue
            for part in module.split(".")[split:] + [attribute]:
                owner = getattr(owner, part, None)
            break
        if owner is None:
            found.append(f"{name} is missing")
        elif _parameters(owner)[:len(parameters)] != list(parameters):
            found.append(f"{name} takes {_parameters(owner)}, not {list(parameters)}")
    if can_fork() and not entry_points(group="jupyter_client.kernel_provisioners", name=PROVISIONER):
        found.append(f"the kernel provisioner '{PROVISIONER}' is not registered (install with pip install -e .)")
    return found


def _parameters(function: Any) -> list[str]:
    try:
        return list(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # a built-in without a signature: asyncio's C accelerator
        return list(INTERNALS["asyncio.events._set_running_loop"])


def can_fork() -> bool:
    """Whether kernels are forked here: where the OS has ``fork`` and forking a process that has loaded the
    system's libraries is safe, i.e. not on Windows (no fork) nor on macOS (unsafe, see the multiprocessing
    documentation)."""
    return hasattr(os, "fork") and sys.platform != "darwin"


def preload() -> None:
    """Import, once in a worker, what every report kernel imports, so that a forked kernel starts with it.

    Only imports: nothing here runs a report, draws or sets an option, so a forked
    kernel starts as a new one would.
    """
    for module in PRELOAD:
        import_module(module)


class FastKernelClient(SteppingKernelClient):
    """A ``SteppingKernelClient`` whose start ends after ``QUIET`` seconds of silence on IOPub.

    nbclient only takes the IOPub messages whose parent is the cell it runs, so a
    late message from the kernel's start cannot end up in a cell's output.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
        self.iopub_channel.longest_wait = QUIET
        try:
            await self._async_wait_for_ready(timeout=timeout)
        finally:
            self.iopub_channel.longest_wait = None


class FastKernelManager(BatchKernelManager):
    """A kernel manager that talks through ``FastKernelClient`` and sees a stopped kernel's end at once."""

    client_class = DottedObjectName("lkt_analysis.fastpath.FastKernelClient")
    client_factory = Type(FastKernelClient)

    async def _async_wait(self, pollinterval: float = REAP) -> None:
        await super()._async_wait(pollinterval=REAP)


class ForkingSpecManager(KernelSpecManager):
    """Kernel specs as installed, each started by the ``lkt-forking`` provisioner."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        spec = super().get_kernel_spec(kernel_name)
        spec.metadata = {**spec.metadata, "kernel_provisioner": {"provisioner_name": PROVISIONER}}
        return spec


class ForkingKernelManager(FastKernelManager):
    """A ``FastKernelManager`` whose kernels are forks of this process (``ForkingProvisioner``)."""

    @default("kernel_spec_manager")
    def _forking_specs(self) -> KernelSpecManager:
        return ForkingSpecManager(data_dir=self.data_dir)


def manager_class() -> type[BatchKernelManager]:
    """The fast path's kernel manager: forked kernels where the OS can fork, new processes elsewhere."""
    return ForkingKernelManager if can_fork() else FastKernelManager


@cache
def exporter_class() -> type:
    """nbconvert's HTML exporter without its last pass (see the module's docstring)."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):  # type: ignore[misc]
        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
            self.register_filter("highlight_code", Highlight2HTML(pygments_lexer="ipython3", parent=self))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=nb.metadata, parent=self, resources=self._init_resources(resources)))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return PageExporter


class ForkingProvisioner(LocalProvisioner):  # type: ignore[misc]
    """Starts the kernel as a fork of this process, where jupyter_client would start a new Python."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        arguments = cmd[cmd.index("-f"):]  # the kernel's own: its connection file and any extra arguments
        env = kwargs.get("env") or dict(os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            _become_kernel(arguments, env, cwd, parent)  # never returns
        self.process = _Forked(pid)
        self.pid = self.pgid = pid
        self.cwd = cwd
        return self.connection_info


def _become_kernel(arguments: list[str], env: Mapping[str, str], cwd: str, parent: int) -> None:
    """In the forked child: set up the process as jupyter_client would a new kernel's, run the kernel with
    ``arguments`` (``-f`` connection file, ...), and exit when it ends, never returning into the parent's
    code."""
    code = 1
    try:
        os.setsid()  # its own process group, as jupyter_client gives a kernel
        for signum in (signal.SIGINT, signal.SIGTERM):  # the worker ignores Ctrl-C; a kernel must not
            signal.signal(signum, signal.SIG_DFL)
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        asyncio.events._set_running_loop(None)  # the parent's event loop is not this process's
        asyncio.set_event_loop(asyncio.new_event_loop())
        # a batch run is never debugged: without debugpy the kernel starts 50 ms sooner (ipykernel imports it
        # to offer a debugger, and goes without one where it is not installed)
        sys.modules.setdefault("debugpy", None)  # type: ignore[assignment]
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        # parent_handle: exit if the worker goes (read from JPY_PARENT_PID only when ipykernel is imported)
        app.initialize([*arguments, f"--IPKernelApp.parent_handle={parent}"])
        app.start()
        code = 0
    except BaseException:  # noqa: BLE001 (whatever happens, the child ends here)
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


class _Forked:
    """The part of ``subprocess.Popen`` that jupyter_client uses, for a kernel forked from this process."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self._reap(os.WNOHANG)

    def wait(self, timeout: float | None = None) -> int | None:
        return self._reap(0)

    def _reap(self, options: int) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, options)
            except ChildProcessError:  # reaped already
                pid, status = self.pid, 0
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)
