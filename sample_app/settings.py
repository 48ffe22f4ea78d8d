"""Django settings of the sample app.

The database is the one the harness asks for (``bench.db.environment``): by default a SQLite
file in WAL mode with a busy timeout under ``results/db/`` of the working directory, never in
the source tree; ``--db postgres`` replaces it with a PostgreSQL database the harness made.
"""

import os
import tempfile
from pathlib import Path

from bench.db.environment import default_database

SECRET_KEY = "django-import-bench-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "import_export",
    "sample_app",
    "bench",
]

SQLITE_OPTIONS = {
    # WAL lets readers run beside one writer; the busy timeout makes a second writer wait
    # (in seconds) instead of failing at once with "database is locked".
    "init_command": "PRAGMA journal_mode=WAL;",
    "timeout": 30,
}

DATABASES = {"default": default_database(SQLITE_OPTIONS)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Tests use a file too (not :memory:), so that threads and worker processes can share
    # the test database the way they share a real one.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get(
            "BENCH_TEST_DB_PATH",
            str(Path(tempfile.gettempdir()) / f"django-import-bench-test-{os.getpid()}.sqlite3"),
        )
    }

IMPORT_EXPORT_USE_TRANSACTIONS = True
