"""The report kernels: started fast, never waited on for nothing, never hung on a lost wake-up.

Three things about jupyter_client's defaults that matter for a batch of short runs:

- **Lost wake-ups.** nbclient waits for a cell's reply with one ``poll`` on the shell
  socket and no deadline. Under heavy iopub traffic (a notebook that shows
  ipywidgets sends dozens of comm messages) the edge-triggered ZeroMQ wake-up for
  that reply is sometimes lost, and the run hangs for ever although the reply has
  arrived (jupyter/nbclient#312, still open). The channels below wait in steps of
  ``STEP`` seconds, so a lost wake-up costs at most that.
- **Idle waits.** Starting a kernel ends with waiting for 0.2 s of silence on IOPub,
  and stopping one polls every 0.1 s for its end; both are wall time in which
  nothing runs. Here they are ``QUIET`` and ``REAP`` seconds.
- **Starting Python.** Where the OS can fork safely (Linux), a kernel is forked from the
  batch's worker, which has imported what a report needs once (``preload``): the
  same ipykernel, sockets and messages, in a fresh process with nothing run in it,
  without the new interpreter and its imports (about 0.7 s a report). Elsewhere
  (Windows, macOS) kernels start as jupyter_client starts them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import Mapping
from queue import Empty
from time import monotonic
from typing import Any

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import DottedObjectName, Type

STEP = 0.05  # seconds between checks of a socket whose wake-up may have been lost
QUIET = 0.02  # seconds of silence on IOPub that end a kernel's start (jupyter_client: 0.2)
REAP = 0.005  # seconds between checks that a stopped kernel has ended (jupyter_client: 0.1)
# the batch's kernels log errors only: not, under a stopped batch's one line, each kernel's "Parent appears
# to have exited" as it goes
ARGUMENTS = ("--IPKernelApp.log_level=ERROR",)
PRELOAD = (  # what a report kernel imports: the kernel (its magics, history), the libraries, the reports
    "ipykernel.kernelapp", "ipykernel.ipkernel", "IPython.core.magics", "sqlite3",
    "IPython.extensions.storemagic", "matplotlib.pyplot", "matplotlib.backends.backend_svg",
    "matplotlib_inline.backend_inline", "pandas.io.formats.style", "lkt_analysis.report", "lkt_analysis.comparison_report",
)


class SteppingChannel(AsyncZMQSocketChannel):
    """A channel whose ``get_msg`` polls in steps of ``STEP`` seconds up to the caller's timeout, and waits
    at most ``longest_wait`` seconds when that is set."""

    longest_wait: float | None = None

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
        if self.longest_wait is not None and timeout is not None:
            timeout = min(timeout, self.longest_wait)
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            step = STEP if deadline is None else max(0.0, min(STEP, deadline - monotonic()))
            try:
                return await super().get_msg(timeout=step)
            except Empty:
                if deadline is not None and monotonic() >= deadline:
                    raise


class SteppingKernelClient(AsyncKernelClient):
    """The kernel client of the batch and the notebook tests: channels through ``SteppingChannel``, and a
    start that ends after ``QUIET`` seconds of silence on IOPub.

    nbclient only takes the IOPub messages whose parent is the cell it runs, so a
    late message from the kernel's start cannot end up in a cell's output.
    """

    shell_channel_class = Type(SteppingChannel)
    iopub_channel_class = Type(SteppingChannel)

    async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
        self.iopub_channel.longest_wait = QUIET
        try:
            await self._async_wait_for_ready(timeout=timeout)
        finally:
            self.iopub_channel.longest_wait = None


class BatchKernelManager(AsyncKernelManager):
    """A kernel manager that talks through ``SteppingKernelClient`` and sees a stopped kernel's end at once."""

    client_class = DottedObjectName("lkt_analysis.kernels.SteppingKernelClient")
    client_factory = Type(SteppingKernelClient)

    async def _async_wait(self, pollinterval: float = REAP) -> None:
        await super()._async_wait(pollinterval=REAP)


class ForkingKernelManager(BatchKernelManager):
    """A ``BatchKernelManager`` whose kernels are forks of this process (``ForkingProvisioner``)."""

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkingProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


def can_fork() -> bool:
    """Whether kernels are forked here: where the OS has ``fork`` and forking a process that has loaded the
    system's libraries is safe, i.e. not on Windows (no fork) nor on macOS (unsafe, see the multiprocessing
    documentation)."""
    return hasattr(os, "fork") and sys.platform != "darwin"


def manager_class() -> type[BatchKernelManager]:
    """The kernel manager for the batch: forked kernels where the OS can fork, new processes elsewhere."""
    return ForkingKernelManager if can_fork() else BatchKernelManager


def preload() -> None:
    """Import, once in a worker, what every report kernel imports, so that a forked kernel starts with it.

    Only imports: nothing here runs a report, draws or sets an option, so a forked
    kernel starts as a new one would.
    """
    import importlib

    for module in PRELOAD:
        importlib.import_module(module)


def manager_config(folder: str) -> dict[str, Any]:
    """The ``KernelManager`` settings for one report's kernel, its sockets under ``folder``.

    IPC sockets where ZeroMQ offers them (a unique path per run, so parallel starts
    cannot collide); TCP on the loopback address otherwise (pyzmq's Windows wheels
    have no IPC), where two kernels starting at once may pick the same free port:
    the batch then starts the kernel again.
    """
    import zmq

    if zmq.has("ipc"):
        return {"transport": "ipc", "ip": f"{folder}/kernel"}
    return {"transport": "tcp", "ip": "127.0.0.1"}


class ForkingProvisioner(LocalProvisioner):
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
