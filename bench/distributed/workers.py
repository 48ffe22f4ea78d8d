"""Celery workers the harness starts: ``celery worker`` processes on its broker and database.

:class:`CeleryWorkers` starts ``nodes`` worker processes (prefork pool, ``concurrency``
children each) as ``python -m celery -A bench.distributed.app worker``, in a session of
their own, with the environment that points Django at the harness's database
(``BENCH_DB_PATH`` or ``BENCH_DATABASE``, the settings module, ``PYTHONPATH``), and waits
until each one takes tasks. At the end it asks them to stop (a warm shutdown: running tasks
finish) and removes whatever is left, also after a failure, Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..db.lifecycle import Started
from .app import BROKER_URL_ENV, READY_FILE_ENV

#: How long a worker may take to start (Python, Django, the pool's children).
START_TIMEOUT_S = 120
#: How long a warm shutdown may take before the workers are killed.
STOP_TIMEOUT_S = 20


class WorkersFailed(RuntimeError):
    """A worker did not start; the message holds the end of its log."""


class CeleryWorkers(Started):
    """``with CeleryWorkers(broker, concurrency=2) as workers:`` workers taking tasks."""

    def __init__(self, broker: str, concurrency: int = 2, nodes: int = 1,
                 queue: str = "bench", env: dict | None = None):
        self.broker = broker
        self.concurrency = concurrency
        self.nodes = nodes
        self.queue = queue
        self.env = dict(env or {})
        self.folder: Path | None = None
        self.processes: list[subprocess.Popen] = []

    def start(self) -> CeleryWorkers:
        self.folder = Path(tempfile.mkdtemp(prefix="django-import-bench-celery-"))
        atexit.register(self.stop)
        for node in range(self.nodes):
            ready = self.folder / f"ready{node}"
            env = {**os.environ, **self.env, BROKER_URL_ENV: self.broker,
                   READY_FILE_ENV: str(ready)}
            log = (self.folder / f"worker{node}.log").open("w")
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "bench.distributed.app", "worker",
                 "--pool", "prefork", "--concurrency", str(self.concurrency),
                 "--queues", self.queue, "--hostname", f"{self.queue}-{node}@%h",
                 "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "--loglevel", "WARNING"],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
            log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        for node, process in enumerate(self.processes):
            while not (self.folder / f"ready{node}").exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise WorkersFailed(f"celery worker {node} did not start:\n"
                                        f"{self.log(node)[-2000:]}")
                time.sleep(0.05)
        return self

    def log(self, node: int = 0) -> str:
        path = self.folder / f"worker{node}.log" if self.folder else None
        return path.read_text() if path and path.exists() else ""

    def pool_pids(self) -> list[int]:
        """The pids of the pool's child processes (those that run tasks), every node."""
        import psutil

        pids = []
        for process in self.processes:
            try:
                pids += [c.pid for c in psutil.Process(process.pid).children()]
            except psutil.NoSuchProcess:
                pass
        return pids

    def stop(self) -> None:
        """Stop every worker (warm, then by force) and delete the folder; safe twice."""
        if self.folder is None:
            return
        try:
            for process in self.processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT_S
            for process in self.processes:
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass
                try:
                    os.killpg(process.pid, signal.SIGKILL)  # the pool's children too
                except ProcessLookupError:
                    pass
                process.wait()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder, self.processes = None, []
