"""The files of the generators' caches (``results/.cache/``): CSV written and read back
exactly, and a folder that appears whole or not at all.

Several processes may generate the same dataset at once (the count pass, worker
processes, two runs): each writes its own temporary folder and renames it into place; the
first rename wins and the others drop theirs, so a reader never sees half a folder.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path


def write_csv(path: Path, headers, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)


def read_csv(path: Path) -> tuple[list[str], list[tuple[str, ...]]]:
    """The headers and rows of a file :func:`write_csv` wrote."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        headers = next(reader)
        return headers, [tuple(row) for row in reader]


def save_folder(folder: Path, write: Callable[[Path], object]) -> None:
    """``write(tmp)`` fills a temporary folder beside ``folder``, which is then renamed to
    ``folder`` (left as it is when another process got there first)."""
    tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    write(tmp)
    try:
        tmp.rename(folder)
    except OSError:  # another process cached the same key first
        for child in tmp.iterdir():
            child.unlink()
        tmp.rmdir()
