"""What differs between the django-import-export releases the harness runs on (3.3 to
4.4, ``nox -s versions``), in one place.

``CachedForeignKeyWidget`` is new in 4.4 (``None`` before): ``tuned`` refuses a resource
with foreign keys without it.

From 4.0 a ``Result`` lists its failed rows in ``error_rows``, each numbered in the file
(``ErrorRow.number``), and an ``Error`` knows its row's ``number``. In 3.3 the failed rows
are only the ``rows`` that carry errors, numbered by their place in ``rows``
(``Result.row_errors()``). :func:`error_rows` reads either; the strategies that keep only
the failing rows of a file (the block and Celery strategies) need the numbers themselves
and refuse 3.3 (:func:`refuse_without_error_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass

import import_export
from import_export.results import Result

from .contract import Refused

try:
    from import_export.widgets import CachedForeignKeyWidget
except ImportError:  # new in 4.4: tuned refuses foreign keys before (fast_widgets)
    CachedForeignKeyWidget = None

VERSION = import_export.__version__
#: Whether this release's ``Result`` has ``error_rows`` (4.0 and later).
HAS_ERROR_ROWS = hasattr(Result(), "error_rows")


@dataclass
class NumberedErrors:
    """A failed row as 3.3 reports it: its number and its errors."""

    number: int
    errors: list


def error_rows(result: Result) -> list:
    """The failed rows of ``result`` (each with ``number`` and ``errors``)."""
    if HAS_ERROR_ROWS:
        return result.error_rows
    return [NumberedErrors(number, errors) for number, errors in result.row_errors()]


def refuse_without_error_rows(name: str) -> None:
    if not HAS_ERROR_ROWS:
        raise Refused(f"{name} keeps failed rows by their ErrorRow.number, new in "
                      f"django-import-export 4.0; this is {VERSION}")
