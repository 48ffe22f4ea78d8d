"""The task a Celery worker runs for the harness: rows of a file imported through an inner
strategy, in one transaction, the outcome sent back as JSON (:mod:`.wire`).

A task carries everything the worker needs, by value or by name: the resource class by its
import path (the worker imports it from the project, as Django would), the inner strategy by
its registered name, the settings, the headers and rows of its part of the file, where the
part starts in the file, and when it was sent. It returns the kept result (totals and the
rows with problems, numbered in the file), the chunk's facts, how long the task waited in
the queue, which host and process ran it, and whether the broker delivered it again (a
worker died holding it). A chunk whose writes are kept writes its receipt in the same
transaction (:mod:`.receipts`): a delivery that finds the chunk's receipt returns it
instead of importing the rows again, and the parent settles by the receipts the chunks
whose reports did not come.
"""

from __future__ import annotations

import os
import socket
import time
import uuid

import tablib
from celery.exceptions import TimeLimitExceeded, TimeoutError, WorkerLostError
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from django.utils.module_loading import import_string
from import_export.results import Result

from ..distributed.app import app, forget
from . import get, receipts
from .bases import TIME_LIMIT
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


def chunk_job(run: str, database: str, inner: str, resource_class, dataset: tablib.Dataset,
              settings: Settings, index: int, offset: int) -> dict:
    """The task's argument for rows ``offset + 1`` to ``offset + len(dataset)`` of the
    import ``run`` (the key of its chunks' receipts) into the database named ``database``."""
    return {"run": run, "database": database, "inner": inner,
            "resource": resource_path(resource_class),
            "settings": settings.as_dict(), "headers": list(dataset.headers),
            "rows": [list(row) for row in dataset], "index": index, "offset": offset,
            "sent": time.time()}


@app.task(name=TASK_NAME, bind=True)
def import_chunk_task(self, job: dict) -> dict:
    """Never raises: what goes wrong here is the chunk's error in its fact, so that the
    parent tells a failed chunk from a broker that went away."""
    received = time.time()
    delivery = self.request.delivery_info or {}
    redelivered = bool(delivery.get("redelivered"))
    here = {"host": socket.gethostname(), "pid": os.getpid()}

    def report(result: dict | None, fact: ChunkFact) -> dict:
        return {"result": result, "fact": fact_to_wire(fact), "host": here["host"],
                "queued_s": received - job["sent"], "redelivered": redelivered}

    run, index, offset = job["run"], job["index"], job["offset"]
    try:
        close_old_connections()  # a long-lived worker: as Django does around a request
        use_database_named(job["database"])
        if redelivered:  # an earlier delivery may have committed before its worker died
            stored = receipts.read(DEFAULT_DB_ALIAS, run, index)
            if stored is not receipts.UNCLAIMED:
                return {"receipt": stored, "redelivered": True}
        resource_class = import_string(job["resource"])
        inner = get(job["inner"])
    except Exception as exc:  # noqa: BLE001 - reported as the chunk's error
        return report(None, lost_chunk(index, offset, len(job["rows"]),
                                       f"{type(exc).__name__}: {exc}"))
    settings = Settings().with_values(**job["settings"])
    dataset = tablib.Dataset(*[tuple(row) for row in job["rows"]], headers=job["headers"])

    def keep(result: Result) -> dict:
        keeper = KeptResult(settings.error_limit)
        keeper.add(offset, len(dataset), result)
        return result_to_wire(keeper.finished())

    kept_on_commit = []

    def payload(result: Result) -> dict:  # the receipt's, written before the commit
        kept_on_commit.append(keep(result))
        return {"result": kept_on_commit[-1], **here}

    result, fact = import_chunk(
        inner, receipts.receipted(resource_class, settings, run, index, payload), dataset,
        settings, index=index, offset=offset, chunked=True)
    if not fact.committed:  # another delivery of the chunk, or the parent, claimed it first
        stored = receipts.read(DEFAULT_DB_ALIAS, run, index)
        if isinstance(stored, dict):
            return {"receipt": stored, "redelivered": redelivered}
    close_old_connections()
    return report(kept_on_commit[-1] if kept_on_commit else (keep(result) if result else None),
                  fact)


class WrongDatabase(Exception):
    """A chunk for a database this worker must not write."""


#: The databases this worker found the harness's marker table in.
_checked: set[str] = set()


def use_database_named(name: str) -> None:
    """Point this worker's connection at the run's database. A worker the harness started
    is on it already; one started on another machine (``python -m bench worker``) is on
    the server's, and switches to the run's, which must hold the harness's marker table
    (a database the harness made): it never writes any other."""
    from ..db.django_setup import MARKER_TABLE

    connection = connections[DEFAULT_DB_ALIAS]
    current = str(connection.settings_dict["NAME"])
    if current == name:
        return
    if connection.vendor != "postgresql":
        raise WrongDatabase(f"this worker imports into {current}, and the chunk is for {name}")
    connection.close()
    connection.settings_dict["NAME"] = name
    if name not in _checked:
        if MARKER_TABLE not in connection.introspection.table_names():
            connection.close()
            connection.settings_dict["NAME"] = current
            raise WrongDatabase(f"{name} was not made by django-import-bench (it has no "
                                f"{MARKER_TABLE} table): refused")
        _checked.add(name)


# -- the parent's side -------------------------------------------------------------------

#: How long the parent waits for one task's result before it settles the chunk by its
#: receipt.
RESULT_TIMEOUT_S = 600
#: What a task's failure raises in the parent (the broker still answers).
TASK_FAILURES = (TimeLimitExceeded, WorkerLostError, TimeoutError)


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
    ``(kept result or None, fact)`` of each, in file order.

    A chunk whose report does not come (its task failed or ran over its time limit, the
    broker went away, no worker took it in :data:`RESULT_TIMEOUT_S`) is settled by its
    receipt in the database (:mod:`.receipts`): committed, with the result it wrote there,
    or not committed, and then never: a fact with its ``error`` and no result. Once the
    broker is found gone the other reports are not waited for."""
    from ..distributed.app import client

    run, database = uuid.uuid4().hex, str(connections[using].settings_dict["NAME"])
    receipts.ensure(using)
    connections[using].close()  # nothing of this process's may hold a lock they need
    sender = client(workers.broker)
    limit = float(TIME_LIMIT.of(settings)) or None
    sent, reports, missing = {}, {}, {}
    for index, (offset, chunk) in enumerate(chunks):
        try:
            sent[index] = sender.send_task(
                TASK_NAME, (chunk_job(run, database, inner, resource_class, chunk, settings,
                                      index, offset),), queue=workers.queue, time_limit=limit)
        except Exception as exc:  # noqa: BLE001 - the broker is gone: nothing more is sent
            missing[index] = f"not sent: {type(exc).__name__}: {exc}"
            break
    gone = next(iter(missing.values()), None)
    for index in range(len(chunks)):
        if index in missing:
            continue
        if gone is not None or index not in sent:
            missing[index] = gone or "not sent"
            continue
        try:
            reports[index] = sent[index].get(timeout=RESULT_TIMEOUT_S,
                                             disable_sync_subtasks=False)
        except TASK_FAILURES as exc:
            missing[index] = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001 - the broker or its backend went away
            missing[index] = gone = f"the broker went away: {type(exc).__name__}: " \
                                    f"{' '.join(str(exc).split())}"
            forget(workers.broker)
    settled = settle(using, run, sorted(missing)) if missing else {}
    pairs = []
    for index, (offset, chunk) in enumerate(chunks):
        report = reports.get(index) or {"receipt": settled.get(index)}
        if "fact" in report:
            fact = fact_from_wire(report["fact"])
            fact.queued_s, fact.host = report["queued_s"], report["host"]
            fact.redelivered = report["redelivered"]
            pairs.append((result_from_wire(report["result"]), fact))
        elif report["receipt"] is not None:
            fact = receipts.receipt_fact(index, offset, len(chunk), report["receipt"])
            fact.redelivered = report.get("redelivered", False)
            pairs.append((result_from_wire(report["receipt"]["result"]), fact))
        else:
            error = missing.get(index, "claimed by another delivery")
            pairs.append((None, lost_chunk(index, offset, len(chunk), error)))
    return pairs


def settle(using: str, run: str, chunks: list[int]) -> dict[int, dict | None]:
    """:func:`receipts.settle`, waiting out a SQLite write lock a worker still holds."""
    from django.db import OperationalError

    deadline = time.monotonic() + RESULT_TIMEOUT_S
    while True:
        try:
            return receipts.settle(using, run, chunks)
        except OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
