"""The Celery broker for the harness: a throwaway Redis server it starts and removes itself,
or the one ``CELERY_BROKER_URL`` names.

:func:`celery_broker` yields the broker's URL (also the result backend's). With
``CELERY_BROKER_URL`` set it yields that URL and starts nothing, so that workers on other
machines, pointed at the same broker and database, can take part. Otherwise it starts
Debian's ``redis-server`` in a temporary folder, serving on a unix socket there only (no TCP
port, nothing else on the machine touched), with no persistence, and at the end stops it
and deletes the folder, also after a failure, Ctrl-C or SIGTERM (as the PostgreSQL cluster:
:mod:`bench.db.postgres`).
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..db.lifecycle import Started
from ..db.postgres import terminate_gracefully

BROKER_ENV = "CELERY_BROKER_URL"
INSTALL_HINT = (
    "redis-server was not found. Install it (Debian/Ubuntu: 'apt-get install redis-server'), "
    "or set REDIS_SERVER to its path, or set CELERY_BROKER_URL=redis://HOST:PORT/0 to use a "
    "broker you run.")
#: How long the server may take to accept connections.
START_TIMEOUT_S = 20


class BrokerUnavailable(RuntimeError):
    """No broker can be used here; the message says what to do."""


def find_redis_server() -> Path:
    """``REDIS_SERVER``, else ``redis-server`` on ``PATH`` or in ``/usr/bin``."""
    given = os.environ.get("REDIS_SERVER")
    if given:
        if Path(given).is_file():
            return Path(given)
        raise BrokerUnavailable(f"REDIS_SERVER={given} is not a file. {INSTALL_HINT}")
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").is_file() else None)
    if not found:
        raise BrokerUnavailable(INSTALL_HINT)
    return Path(found)


class ThrowawayRedis(Started):
    """``with ThrowawayRedis() as url:`` a fresh Redis server on a unix socket."""

    def __init__(self, binary: Path | None = None):
        self.binary = binary or find_redis_server()
        self.folder: Path | None = None
        self.process: subprocess.Popen | None = None

    @property
    def socket(self) -> Path:
        return self.folder / "redis.sock"

    @property
    def url(self) -> str:
        return f"redis+socket://{self.socket}"

    def start(self) -> str:
        self.folder = Path(tempfile.mkdtemp(prefix="django-import-bench-redis-"))
        atexit.register(self.stop)
        log = (self.folder / "redis.log").open("w")
        self.process = subprocess.Popen(
            [str(self.binary), "--port", "0", "--unixsocket", str(self.socket),
             "--unixsocketperm", "700", "--dir", str(self.folder), "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = (self.folder / "redis.log").read_text()[-1500:]
                raise BrokerUnavailable(f"redis-server did not start: {tail.strip()}")
            time.sleep(0.02)
        return self.url

    def _answers(self) -> bool:
        import redis

        if not self.socket.exists():
            return False
        try:
            client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """Stop the server and delete its folder; safe to call twice."""
        if self.folder is None:
            return
        try:
            if self.process is not None and self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder, self.process = None, None


@contextmanager
def celery_broker() -> Iterator[str]:
    """The broker URL for the block: ``CELERY_BROKER_URL``'s, or a throwaway server's."""
    given = os.environ.get(BROKER_ENV)
    if given:
        yield given
        return
    with terminate_gracefully(), ThrowawayRedis() as url:
        yield url
