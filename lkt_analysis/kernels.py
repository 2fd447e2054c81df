"""Talking to the report kernels without ever waiting on a lost wake-up.

nbclient waits for a cell's reply with one ``poll`` on the shell socket and no
deadline. Under heavy iopub traffic (a notebook that shows ipywidgets sends
dozens of comm messages) the edge-triggered ZeroMQ wake-up for that reply is
sometimes lost, and the run hangs for ever although the reply has arrived
(jupyter/nbclient#312, still open). A ``poll`` with a deadline checks the socket
once more when the deadline passes, so the channels below wait in short steps:
a lost wake-up costs at most ``STEP`` seconds instead of the whole run.
"""

from __future__ import annotations

from queue import Empty
from time import monotonic
from typing import Any

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Type

STEP = 0.05  # seconds between checks of a socket whose wake-up may have been lost
CLIENT = "lkt_analysis.kernels.SteppingKernelClient"  # for KernelManager.client_class


class SteppingChannel(AsyncZMQSocketChannel):
    """A channel whose ``get_msg`` polls in steps of ``STEP`` seconds up to the caller's timeout."""

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            step = STEP if deadline is None else max(0.0, min(STEP, deadline - monotonic()))
            try:
                return await super().get_msg(timeout=step)
            except Empty:
                if deadline is not None and monotonic() >= deadline:
                    raise


class SteppingKernelClient(AsyncKernelClient):
    """The kernel client the batch and the notebook tests use: shell and iopub through ``SteppingChannel``."""

    shell_channel_class = Type(SteppingChannel)
    iopub_channel_class = Type(SteppingChannel)


def manager_config(folder: str) -> dict[str, Any]:
    """The ``KernelManager`` settings for one report's kernel, its sockets under ``folder``.

    IPC sockets where ZeroMQ offers them (a unique path per run, so parallel starts
    cannot collide); TCP on the loopback address otherwise (pyzmq's Windows wheels
    have no IPC), where two kernels starting at once may pick the same free port:
    the batch then starts the kernel again.
    """
    import zmq

    transport = {"transport": "ipc", "ip": f"{folder}/kernel"} if zmq.has("ipc") else {
        "transport": "tcp", "ip": "127.0.0.1"}
    return {**transport, "client_class": CLIENT}
