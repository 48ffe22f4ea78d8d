"""Merging the ``Result`` of each chunk into one ``Result`` for the whole file.

The popular recipe sums ``totals`` and concatenates ``rows`` and ``invalid_rows`` but keeps
each chunk's own row numbers (every chunk counts from 1) and drops ``base_errors``,
``error_rows`` and ``failed_dataset``. This merge keeps everything and makes every row
number absolute, so that an error is reported at the row where it is in the user's file.
"""

from __future__ import annotations

import copy

from import_export.results import Error, Result

from .contract import ChunkFact
from .library import HAS_ERROR_ROWS


class ChunkFailed(Exception):
    """A chunk raised instead of returning a result; its rows were not imported."""


def _shifted(error: Error, offset: int, moved: dict[int, Error]) -> Error:
    """A copy of ``error`` numbered in the whole file (one copy per original object)."""
    key = id(error)
    if key not in moved:
        new = copy.copy(error)
        if getattr(new, "number", None) is not None:  # 3.3's errors have no number
            new.number += offset
        moved[key] = new
    return moved[key]


def merge_results(parts: list[tuple[int, Result | None]], total_rows: int,
                  failed: list[ChunkFact] = ()) -> Result:
    """One ``Result`` from ``(offset, result)`` pairs in file order.

    ``offset`` is the number of file rows before the chunk. The inputs are not modified.
    ``failed`` chunks (those that raised) become base errors naming their rows.
    """
    merged = Result()
    merged.total_rows = total_rows
    for offset, part in parts:
        if part is None:
            continue
        if part.diff_headers and not merged.diff_headers:
            merged.diff_headers = list(part.diff_headers)
        for key, value in part.totals.items():
            merged.totals[key] = merged.totals.get(key, 0) + value
        merged.base_errors.extend(part.base_errors)
        moved: dict[int, Error] = {}
        for row in part.rows:
            if row.errors:
                row = copy.copy(row)
                row.errors = [_shifted(e, offset, moved) for e in row.errors]
            merged.rows.append(row)
        for invalid in part.invalid_rows:
            invalid = copy.copy(invalid)
            invalid.number += offset
            merged.invalid_rows.append(invalid)
        for error_row in part.error_rows if HAS_ERROR_ROWS else ():  # 3.3: in rows only
            error_row = copy.copy(error_row)
            error_row.number += offset
            error_row.errors = [_shifted(e, offset, moved) for e in error_row.errors]
            merged.error_rows.append(error_row)
        if part.failed_dataset.headers:
            if not merged.failed_dataset.headers:
                merged.failed_dataset.headers = list(part.failed_dataset.headers)
            for row in part.failed_dataset:
                merged.failed_dataset.append(row)
    for chunk in failed:
        message = (f"chunk {chunk.index + 1} (rows {chunk.first_row}-{chunk.last_row}) "
                   f"was not imported: {chunk.error}")
        merged.base_errors.append(Error(ChunkFailed(message)))
    return merged
