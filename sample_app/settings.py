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
    # without autodiscovery: the admin modules, and django-import-export's admin with the
    # file formats it imports (openpyxl and more: 21 MB resident, and a heap that makes the
    # garbage collector's passes 2% dearer), are loaded by the ``admin`` strategy when it
    # runs, not by every process that imports through a resource
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "import_export",
    "sample_app",
    "bench",
]

# the admin, where a team's users import (the ``admin`` strategy measures its import views)
ROOT_URLCONF = "sample_app.urls"
ALLOWED_HOSTS = ["testserver", "localhost"]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
STATIC_URL = "static/"

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
