"""Connecting to a dask.distributed cluster from a ``--cluster`` value.

``local:N`` starts N single-threaded worker processes on this machine (closed afterwards);
``tcp://host:port`` (or ``tls://``) joins an existing scheduler started with ``dask scheduler``,
dask-jobqueue or dask-kubernetes, which is left running.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from grid.errors import InputError

_LOCAL = re.compile(r"^local:(\d{1,3})$")
_REMOTE = re.compile(r"^(tcp|tls|ucx)://[^\s/:]+:\d{1,5}$")
#: memory each local worker may use before dask spills and pauses it (bounded per worker)
LOCAL_MEMORY_LIMIT = "2GiB"


@dataclass(frozen=True)
class ClusterSpec:
    """Where tasks run: ``workers`` local processes, or the scheduler at ``address``."""

    workers: int | None = None
    address: str | None = None


def parse_cluster(text: str) -> ClusterSpec:
    """The cluster named by ``text`` (``local:N`` or a scheduler address), or an InputError."""
    local = _LOCAL.match(text)
    if local:
        n = int(local.group(1))
        if not 1 <= n <= 256:
            raise InputError("local:N needs 1 ≤ N ≤ 256 workers", field="cluster")
        return ClusterSpec(workers=n)
    if _REMOTE.match(text):
        return ClusterSpec(address=text)
    raise InputError(
        f"--cluster {text!r} is neither local:N nor a scheduler address like tcp://host:8786",
        field="cluster",
    )


@contextmanager
def connect(spec: ClusterSpec | str) -> Iterator:
    """A ``distributed.Client`` for ``spec``; a local cluster is shut down on exit."""
    from distributed import Client, LocalCluster

    spec = parse_cluster(spec) if isinstance(spec, str) else spec
    if spec.address is not None:
        with Client(spec.address, timeout="20s") as client:
            yield client
        return
    import dask

    # Local workers run without the dashboard and without its statistical profiler, which
    # samples every worker's stack every 10 ms (a few per cent of a 2-core machine).
    with (
        dask.config.set({"distributed.worker.profile.enabled": False}),
        LocalCluster(
            n_workers=spec.workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=LOCAL_MEMORY_LIMIT,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
