"""The report kernels, through jupyter_client's public API: never hung on a lost wake-up.

nbclient waits for a cell's reply with one ``poll`` on the shell socket and no
deadline. Under heavy iopub traffic (a notebook that shows ipywidgets sends dozens
of comm messages) the edge-triggered ZeroMQ wake-up for that reply is sometimes
lost, and the run hangs for ever although the reply has arrived
(jupyter/nbclient#312, still open). The channels below wait in steps of ``STEP``
seconds, so a lost wake-up costs at most that.

This is the path every platform can take. Where the libraries' internals that
``fastpath`` builds on are all there, the batch takes its faster kernels instead
(forked from a pre-imported worker where the OS can fork, no idle waits), and falls
back to these whenever something there is missing or fails.
"""

from __future__ import annotations

from queue import Empty
from time import monotonic
from typing import Any

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type

STEP = 0.05  # seconds between checks of a socket whose wake-up may have been lost
# the batch's kernels log errors only: not, under a stopped batch's one line, each kernel's "Parent appears
# to have exited" as it goes
ARGUMENTS = ("--IPKernelApp.log_level=ERROR",)


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
    """The kernel client of the batch and the notebook tests: channels through ``SteppingChannel``."""

    shell_channel_class = Type(SteppingChannel)
    iopub_channel_class = Type(SteppingChannel)


class BatchKernelManager(AsyncKernelManager):
    """A kernel manager that talks through ``SteppingKernelClient``."""

    client_class = DottedObjectName("lkt_analysis.kernels.SteppingKernelClient")
    client_factory = Type(SteppingKernelClient)


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
