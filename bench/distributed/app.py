"""The harness's Celery app: its configuration, and Django started in every worker.

The workers run :data:`app` (:mod:`.workers` starts them as ``celery -A
bench.distributed.app worker``); the parent sends tasks by name and reads their results
through a :func:`client` of the broker it started, with the same configuration. Its task modules
are named in ``include`` (:data:`TASK_MODULES`) rather than imported here, so that this
module needs nothing above the database layer and a worker imports them only once Django
runs on the harness's database.

What the configuration is for:

- JSON only, for tasks and results: a worker that accepts pickles refuses to run as root,
  and nothing read from the broker should run code;
- ``task_acks_late`` with ``task_reject_on_worker_lost`` and a prefetch of one: a task is
  acknowledged when it ends, so a worker killed in the middle of a chunk leaves it on the
  broker and another worker runs it again (the chunk's transaction died with the worker's
  connection);
- ``visibility_timeout``: how long the Redis transport waits before it hands a task that a
  worker took but never acknowledged (its whole worker process gone) to another one.
"""

from __future__ import annotations

import os
from functools import cache

from celery import Celery, signals

#: Set in a worker's environment: the broker (and result backend) it serves.
BROKER_URL_ENV = "BENCH_CELERY_BROKER"
#: Set in a worker's environment: a file to create once the worker takes tasks.
READY_FILE_ENV = "BENCH_CELERY_READY_FILE"
TASK_MODULES = ["bench.strategies.remote"]
#: Seconds before an unacknowledged task goes to another worker (Redis transport).
VISIBILITY_TIMEOUT_S = 60

#: The configuration of the workers' app and of every client's (the broker aside).
CONFIG = dict(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
    result_backend_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
    broker_connection_retry_on_startup=True,
    result_expires=3600,
    worker_hijack_root_logger=False,
    worker_redirect_stdouts=False,
)

#: The workers' app: its broker is the one their environment names.
app = Celery("django_import_bench", include=TASK_MODULES, set_as_current=False)
app.conf.update(CONFIG, broker_url=os.environ.get(BROKER_URL_ENV),
                result_backend=os.environ.get(BROKER_URL_ENV))


@cache
def client(url: str) -> Celery:
    """The app this process sends tasks to ``url`` with (by name) and reads their results
    and the workers' state from: one per broker, because an app keeps the connections it
    made, and a broker started after another was stopped has another address."""
    sender = Celery("django_import_bench", set_as_current=False)
    sender.conf.update(CONFIG, broker_url=url, result_backend=url)
    return sender


if os.environ.get(BROKER_URL_ENV):
    # a worker: Django on the harness's database before the task modules are imported
    from ..db.django_setup import setup

    setup()


@signals.worker_process_init.connect
def _fresh_connections(**_):
    """A prefork child inherits its parent's memory: it forgets any connection the parent
    opened (closing it would end the parent's session too) and opens its own."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.connection = None


@signals.worker_ready.connect
def _say_ready(**_):
    path = os.environ.get(READY_FILE_ENV)
    if path:
        open(path, "w").close()  # noqa: SIM115 - an empty file is the whole message
