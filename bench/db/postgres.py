"""PostgreSQL for the harness: a throwaway cluster it starts and removes itself, or a
scratch database on the server that ``DATABASE_URL`` names.

:func:`postgres_database` yields a Django ``DATABASES`` entry. With ``DATABASE_URL`` set,
it creates a database of its own on that server (``bench_<random>``) and drops only that
one at the end: the database named in the URL is used to connect, never written to or
dropped. Otherwise it runs ``initdb`` into a temporary folder, starts the server on a unix
socket there (no TCP port), and at the end stops it and deletes the folder, also after a
failure, Ctrl-C or SIGTERM. PostgreSQL refuses to run as root, so as root the server runs
as the ``postgres`` user (or ``nobody``).
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .lifecycle import Started

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them "
    "(Debian/Ubuntu: 'apt-get install postgresql'), or set PG_BIN to the folder that holds "
    "them, or set DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/DB to use a server you run."
)
PORT = 5432


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot be used here; the message says what to do."""


def find_bindir() -> Path:
    """The folder with ``initdb`` and ``pg_ctl``: ``PG_BIN``, ``pg_config``, Debian's
    ``/usr/lib/postgresql/<version>/bin``, or ``PATH``."""
    if os.environ.get("PG_BIN"):
        folder = Path(os.environ["PG_BIN"])
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
        raise PostgresUnavailable(f"PG_BIN={folder} holds no initdb and pg_ctl. {INSTALL_HINT}")
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if done.returncode == 0:
            candidates.append(Path(done.stdout.strip()))
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                      key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit()
                      else 0, reverse=True)
    candidates += [Path(p) for p in versions]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise PostgresUnavailable(INSTALL_HINT)


def _server_account() -> pwd.struct_passwd | None:
    """Who runs the server: None (this user) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and there is no 'postgres' or 'nobody' "
                              "user to run the PostgreSQL server as")


class ThrowawayCluster(Started):
    """``with ThrowawayCluster() as settings:`` a fresh server and database ``bench``."""

    def __init__(self, bindir: Path | None = None, database: str = "bench"):
        self.bindir = bindir or find_bindir()
        self.database = database
        self.account = _server_account()
        self.folder: Path | None = None
        self._started = False

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        kwargs = {}
        if self.account is not None:
            kwargs = {"user": self.account.pw_uid, "group": self.account.pw_gid,
                      "extra_groups": []}
        done = subprocess.run([str(self.bindir / args[0]), *args[1:]], capture_output=True,
                              text=True, cwd=self.folder, **kwargs)
        if done.returncode != 0:
            raise PostgresUnavailable(
                f"{args[0]} failed ({done.returncode}): {(done.stderr or done.stdout).strip()}")
        return done

    def settings(self) -> dict:
        return {"ENGINE": "django.db.backends.postgresql", "NAME": self.database,
                "USER": "postgres", "PASSWORD": "", "HOST": str(self.folder),
                "PORT": str(PORT)}

    def start(self) -> dict:
        self.folder = Path(tempfile.mkdtemp(prefix="django-import-bench-pg-"))
        atexit.register(self.stop)
        if self.account is not None:
            os.chown(self.folder, self.account.pw_uid, self.account.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C", "--no-instructions")
        # pg_stat_statements: the server's own execution time of every statement
        options = (f"-k {self.folder} -c listen_addresses='' -p {PORT} "
                   "-c shared_preload_libraries=pg_stat_statements")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"),
                  "-o", options, "-w", "-t", "60", "start")
        self._started = True
        _create_database(self.settings() | {"NAME": "postgres"}, self.database)
        _create_statement_statistics(self.settings())
        return self.settings()

    def stop(self) -> None:
        """Stop the server and delete its folder; safe to call twice."""
        if self.folder is None:
            return
        try:
            if self._started:
                try:
                    self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60",
                              "stop")
                except PostgresUnavailable:
                    _kill_postmaster(self.data)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder, self._started = None, False


def _kill_postmaster(data: Path) -> None:
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGQUIT)
    except (OSError, ValueError, IndexError):
        pass


def _connect(settings: dict):
    import psycopg

    return psycopg.connect(dbname=settings["NAME"], user=settings.get("USER") or None,
                           password=settings.get("PASSWORD") or None,
                           host=settings.get("HOST") or None,
                           port=settings.get("PORT") or None, autocommit=True)


def _create_database(admin: dict, name: str) -> None:
    from psycopg import sql

    with _connect(admin) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _create_statement_statistics(settings: dict) -> bool:
    """``CREATE EXTENSION pg_stat_statements`` in the database, where the server has the
    library loaded and allows it; whether it is there now."""
    try:
        with _connect(settings) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("SELECT 1 FROM pg_stat_statements LIMIT 1")
        return True
    except Exception:  # noqa: BLE001 - not preloaded, not permitted: the figure is missing
        return False


def _drop_database(admin: dict, name: str) -> None:
    from psycopg import sql

    with _connect(admin) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                     .format(sql.Identifier(name)))


def settings_from_url(url: str) -> dict:
    import dj_database_url

    parsed = dj_database_url.parse(url)
    if "postgres" not in parsed.get("ENGINE", ""):
        raise PostgresUnavailable(f"DATABASE_URL is not a PostgreSQL URL: {url.split('@')[-1]}")
    return parsed


@contextmanager
def scratch_database(server: str | dict):
    """A database of our own on the server of ``server`` (a URL, or a Django ``DATABASES``
    entry); only that database, and the copies the harness took of it, are dropped."""
    if isinstance(server, str):
        server = settings_from_url(server)
    name = f"bench_{secrets.token_hex(4)}"
    admin = {**server, "NAME": server.get("NAME") or "postgres"}
    try:
        _create_database(admin, name)
    except Exception as exc:  # noqa: BLE001 - any connection problem: say which server
        raise PostgresUnavailable(
            f"cannot create a database on {server.get('HOST')}:{server.get('PORT')}: {exc}"
        ) from None
    try:
        _create_statement_statistics({**server, "NAME": name})
        yield {**server, "NAME": name}
    finally:
        _drop_database(admin, name)
        for copy in _databases_named(admin, f"{name}_s"):
            _drop_database(admin, copy)


def _databases_named(admin: dict, prefix: str) -> list[str]:
    with _connect(admin) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE left(datname, %s) = %s",
                            (len(prefix), prefix)).fetchall()
    return [r[0] for r in rows]


@contextmanager
def postgres_database():
    """A Django ``DATABASES`` entry for a PostgreSQL database that exists for the block."""
    url = os.environ.get("DATABASE_URL")
    if url:
        with scratch_database(url) as settings:
            yield settings
        return
    with terminate_gracefully(), ThrowawayCluster() as settings:
        yield settings


@contextmanager
def terminate_gracefully():
    """Turn SIGTERM into SystemExit in the main thread, so ``finally`` blocks run."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_exit)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_exit(signum, frame):
    raise SystemExit(128 + signum)
