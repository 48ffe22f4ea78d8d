"""The task a Celery worker runs for the harness: rows of a file imported through an inner
strategy, in one transaction, the outcome sent back as JSON (:mod:`.wire`).

A task carries everything the worker needs, by value or by name: the resource class by its
import path (the worker imports it from the project, as Django would), the inner strategy by
its registered name, the settings, the headers and rows of its part of the file, where the
part starts in the file, and when it was sent. It returns the kept result (totals and the
rows with problems, numbered in the file), the chunk's facts, how long the task waited in
the queue, which host and process ran it, and whether the broker delivered it again (a
worker died holding it).
"""

from __future__ import annotations

import socket
import time

import tablib
from django.db import close_old_connections
from django.utils.module_loading import import_string
from import_export.results import Result

from ..distributed.app import app
from . import get
from .chunking import import_chunk, lost_chunk
from .contract import ChunkFact
from .kept import KeptResult
from .settings import Settings
from .wire import fact_from_wire, fact_to_wire, result_from_wire, result_to_wire

TASK_NAME = "bench.import_chunk"


def resource_path(resource_class) -> str:
    """The import path a worker finds ``resource_class`` by."""
    return f"{resource_class.__module__}.{resource_class.__qualname__}"


def refuse_unimportable(strategy: str, resource_class) -> None:
    """Refuse a resource class a worker cannot import by its path (one made at run time,
    or defined inside a function)."""
    from .contract import Refused

    try:
        found = import_string(resource_path(resource_class))
    except ImportError:
        found = None
    if found is not resource_class:
        raise Refused(f"{strategy} sends the resource to its workers by import path, and "
                      f"{resource_path(resource_class)} does not import")


def chunk_job(inner: str, resource_class, dataset: tablib.Dataset, settings: Settings,
              index: int, offset: int) -> dict:
    """The task's argument for rows ``offset + 1`` to ``offset + len(dataset)``."""
    return {"inner": inner, "resource": resource_path(resource_class),
            "settings": settings.as_dict(), "headers": list(dataset.headers),
            "rows": [list(row) for row in dataset], "index": index, "offset": offset,
            "sent": time.time()}


@app.task(name=TASK_NAME, bind=True)
def import_chunk_task(self, job: dict) -> dict:
    received = time.time()
    close_old_connections()  # a long-lived worker: as Django does around a request
    resource_class = import_string(job["resource"])
    settings = Settings().with_values(**job["settings"])
    dataset = tablib.Dataset(*[tuple(row) for row in job["rows"]], headers=job["headers"])
    result, fact = import_chunk(get(job["inner"]), resource_class, dataset, settings,
                                index=job["index"], offset=job["offset"], chunked=True)
    kept = None
    if result is not None:
        keeper = KeptResult(settings.error_limit)
        keeper.add(job["offset"], len(dataset), result)
        kept = keeper.finished()
    close_old_connections()
    delivery = self.request.delivery_info or {}
    return {"result": result_to_wire(kept), "fact": fact_to_wire(fact),
            "queued_s": received - job["sent"], "host": socket.gethostname(),
            "redelivered": bool(delivery.get("redelivered"))}


# -- the parent's side -------------------------------------------------------------------

#: How long the parent waits for one task's result before it names the chunk as lost.
RESULT_TIMEOUT_S = 600


def start_workers(strategy: str, settings: Settings, using: str):
    """Untimed, in ``prepare()``: the broker and ``settings.workers`` pool processes on this
    process's database, running (started the first time; :mod:`bench.distributed.cluster`).
    Refused, with what to do, where there can be none."""
    from ..distributed.broker import BrokerUnavailable
    from ..distributed.cluster import workers_for
    from ..distributed.workers import WorkersFailed
    from .contract import Refused
    from .workers import refuse_in_memory_sqlite, worker_database

    refuse_in_memory_sqlite(using)
    try:
        return workers_for(settings.workers, worker_database(using, settings))
    except (BrokerUnavailable, WorkersFailed) as exc:
        raise Refused(f"{strategy} needs a Celery broker and workers: {exc}") from None


def import_remotely(workers, inner: str, resource_class, chunks, settings: Settings,
                    using: str) -> list[tuple[Result | None, ChunkFact]]:
    """Send every ``(offset, chunk)`` to ``workers`` as a task, all at once, and collect
    ``(kept result or None, fact)`` of each, in file order. A task that fails or whose
    result does not come (a broker gone, a time limit) is a fact with its ``error`` and no
    result: its rows were not imported, as far as this process can tell."""
    from django.db import connections

    from ..distributed.app import client

    sender = client(workers.broker)
    connections[using].close()  # nothing of this process's may hold a lock they need
    pending = []
    for index, (offset, chunk) in enumerate(chunks):
        try:
            pending.append(sender.send_task(
                TASK_NAME, (chunk_job(inner, resource_class, chunk, settings, index, offset),),
                queue=workers.queue))
        except Exception as exc:  # noqa: BLE001 - the broker is gone: nothing more is sent
            pending.append(exc)
    pairs = []
    for index, ((offset, chunk), sent) in enumerate(zip(chunks, pending, strict=True)):
        try:
            if isinstance(sent, Exception):
                raise sent
            payload = sent.get(timeout=RESULT_TIMEOUT_S, disable_sync_subtasks=False)
        except Exception as exc:  # noqa: BLE001 - the broker or the task failed
            pairs.append((None, lost_chunk(index, offset, len(chunk),
                                           f"{type(exc).__name__}: {exc}")))
            continue
        fact = fact_from_wire(payload["fact"])
        fact.queued_s, fact.host = payload["queued_s"], payload["host"]
        fact.redelivered = payload["redelivered"]
        pairs.append((result_from_wire(payload["result"]), fact))
    return pairs

