"""Run `lkt` as it runs where the OS has no fork and ZeroMQ no IPC (Windows), to time that path on Linux.

Usage: python benchmarks/windows_like.py report ...   (the arguments of `lkt`)

The process pool spawns its workers (it forks them only where kernels are forked, see lkt_analysis.fastpath), each
kernel starts as a new Python process, and the kernels talk TCP. The changes are made
when this file is imported, so that they hold in the spawned workers too
(multiprocessing imports the main script in each of them).
"""

import sys

import zmq

from lkt_analysis import fastpath

fastpath.can_fork = lambda: False
zmq.has = lambda capability, _has=zmq.has: False if capability == "ipc" else _has(capability)

if __name__ == "__main__":
    from lkt_analysis.cli import main

    sys.exit(main(sys.argv[1:]))
