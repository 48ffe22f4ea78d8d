"""Where an import's rows come from: a file read a block at a time, or a Dataset in memory.

django-import-export imports a ``tablib.Dataset``: the whole file in memory, about 1 KB per
row of a ten-column file before the import adds its own ``Result``. A strategy that
streams (``streaming``) asks a :class:`RowSource` for the file in blocks instead and never
holds more than one block of it:

- :class:`CsvSource` reads a CSV file block by block, with the same strict checks as
  :func:`bench.data.files.load` (UTF-8, quoting, the width of every row), so a broken line is
  named by its number wherever in the file it is;
- :class:`XlsxSource` reads the first sheet of a workbook in openpyxl's read-only mode, row
  by row (openpyxl still reads the workbook's table of shared strings whole: memory grows
  with the number of *different* texts in the file, not with its rows);
- :class:`DatasetSource` wraps a Dataset already in memory (tests, JSON files, anything
  loaded whole).

Every other strategy gets :meth:`RowSource.dataset`: the whole file, read once and kept.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import tablib

from .files import MAX_CELL_BYTES, InputError


class RowSource:
    """The rows of one file: its ``headers``, its length, and its rows in blocks."""

    #: A short description for messages ("data.csv").
    name: str = "the file"

    @property
    def headers(self) -> list[str]:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def rows(self) -> Iterator[tuple]:
        """Every data row, in file order (the header is not a row)."""
        raise NotImplementedError

    def blocks(self, size: int) -> Iterator[tuple[int, tablib.Dataset]]:
        """``(offset, block)``: ``size`` rows at a time with the file's headers; ``offset``
        rows come before the block, so its row *n* is row ``offset + n`` of the file."""
        if size < 1:
            raise ValueError("size must be at least 1")
        rows, offset, headers = self.rows(), 0, self.headers
        while True:
            part = list(itertools.islice(rows, size))
            if not part:
                return
            yield offset, tablib.Dataset(*part, headers=headers)
            offset += len(part)

    def head(self, rows: int) -> tablib.Dataset:
        """The first ``rows`` rows (all of them when 0) as a Dataset."""
        if not rows:
            return self.dataset()
        return tablib.Dataset(*itertools.islice(self.rows(), rows), headers=self.headers)

    def column_values(self, names: list[str]) -> Iterator[tuple]:
        """The values of the columns ``names`` in every row, as tuples, in file order."""
        where = [self.headers.index(n) for n in names]
        for row in self.rows():
            yield tuple(row[i] for i in where)

    def check(self) -> None:
        """Read the whole file once, keeping nothing, so that an import never starts on a
        file it cannot finish reading; a file without data rows is refused."""
        if not len(self):
            raise InputError(f"{self.name}: the file has a header but no data rows")

    def dataset(self) -> tablib.Dataset:
        """The whole file in memory (read once, then kept)."""
        if getattr(self, "_whole", None) is None:
            self._whole = tablib.Dataset(*self.rows(), headers=self.headers)
        return self._whole

    def loaded(self) -> tablib.Dataset | None:
        """The whole file if it is in memory already, else ``None`` (never reads it)."""
        return getattr(self, "_whole", None)


class DatasetSource(RowSource):
    """A Dataset already in memory."""

    def __init__(self, dataset: tablib.Dataset, name: str = "the file"):
        self._whole = dataset
        self.name = name

    @property
    def headers(self) -> list[str]:
        return list(self._whole.headers or ())

    def __len__(self) -> int:
        return len(self._whole)

    def rows(self) -> Iterator[tuple]:
        return iter(self._whole)

    def column_values(self, names: list[str]) -> Iterator[tuple]:
        data = self._whole
        return zip(*(data.get_col(data.headers.index(n)) for n in names), strict=True)


def as_source(data) -> RowSource:
    """``data`` as a :class:`RowSource` (a Dataset is wrapped, not copied)."""
    if isinstance(data, RowSource):
        return data
    if isinstance(data, tablib.Dataset):
        return DatasetSource(data)
    raise TypeError(f"expected a tablib.Dataset or a RowSource, not {type(data).__name__}")


class CsvSource(RowSource):
    """A UTF-8 CSV file, read when asked, a row at a time.

    The header and the number of rows are read once when first needed (a pass over the file
    that keeps nothing); a broken row raises :class:`~bench.data.files.InputError` naming
    its line when the reading gets there: :meth:`check` reads the whole file once first, so
    that an import never starts on a file it cannot finish reading.
    """

    def __init__(self, path: Path, rows: int | None = None):
        self.path = Path(path)
        self.name = self.path.name
        self._headers: list[str] | None = None
        self._rows = rows

    def _reader(self):
        csv.field_size_limit(MAX_CELL_BYTES)
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise InputError(f"{self.path}: {exc.strerror or exc}") from None
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        return text, csv.reader(_Lines(text, self.path), strict=True)

    def _read(self) -> Iterator[tuple]:
        handle, reader = self._reader()
        with handle:
            try:
                header = next(reader, None)
                if not header:
                    raise InputError(f"{self.path}: the file is empty; expected a header row "
                                     "and data rows")
                self._headers = header
                yield tuple(header)
                width = len(header)
                for number, row in enumerate(reader, start=1):
                    if not row:
                        raise InputError(f"{self.path}: row {number} (line "
                                         f"{reader.line_num}) is blank")
                    if len(row) != width:
                        raise InputError(f"{self.path}: row {number} (line {reader.line_num})"
                                         f" has {len(row)} cells, the header has {width}")
                    yield tuple(row)
            except csv.Error as exc:
                raise InputError(f"{self.path}: line {reader.line_num}: {exc} (is a quote "
                                 "left open?)") from None

    @property
    def headers(self) -> list[str]:
        if self._headers is None:
            next(self._read())
        return list(self._headers)

    def __len__(self) -> int:
        if self._rows is None:
            self._rows = sum(1 for _ in self._read()) - 1
        return self._rows

    def rows(self) -> Iterator[tuple]:
        whole = self.loaded()
        if whole is not None:
            return iter(whole)
        rows = self._read()
        next(rows)  # the header
        return rows

    def check(self) -> None:
        """Read the whole file once (keeping nothing): a broken row raises here."""
        self._rows = sum(1 for _ in self._read()) - 1
        if not self._rows:
            raise InputError(f"{self.path}: the file has a header but no data rows")


class _Lines:
    """Lines of a decoded file, a decoding error named by its line."""

    def __init__(self, text, path: Path):
        self.text, self.path, self.line = text, path, 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        try:
            line = next(self.text)
        except UnicodeDecodeError as exc:
            raise InputError(f"{self.path}: near line {self.line + 1}: a byte is not UTF-8 "
                             f"({exc.reason}); save the file as UTF-8") from None
        self.line += 1
        return line


class XlsxSource(RowSource):
    """The first sheet of an XLSX workbook in openpyxl's read-only mode (its first row is
    the header)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.name = self.path.name
        self._headers: list[str] | None = None
        self._rows: int | None = None

    def _read(self) -> Iterator[tuple]:
        from openpyxl import load_workbook

        try:
            book = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a bad file
            raise InputError(f"{self.path}: not a readable XLSX workbook "
                             f"({type(exc).__name__}: {exc})") from None
        try:
            for row in book.worksheets[0].iter_rows(values_only=True):
                if row and any(v is not None for v in row):
                    yield tuple(row)
        finally:
            book.close()

    @property
    def headers(self) -> list[str]:
        if self._headers is None:
            first = next(self._read(), None)
            if first is None:
                raise InputError(f"{self.path}: the sheet is empty")
            self._headers = [str(h) if h is not None else "" for h in first]
        return list(self._headers)

    def __len__(self) -> int:
        if self._rows is None:
            self._rows = max(0, sum(1 for _ in self._read()) - 1)
        return self._rows

    def rows(self) -> Iterator[tuple]:
        whole = self.loaded()
        if whole is not None:
            return iter(whole)
        width = len(self.headers)
        rows = self._read()
        next(rows, None)
        return (tuple(row[:width]) + (None,) * (width - len(row)) for row in rows)


def open_source(path: Path, fmt: str) -> RowSource | None:
    """A source that reads ``path`` a block at a time, or ``None`` for a format that must be
    read whole (JSON: the standard library parses a document at once)."""
    if fmt == "csv":
        return CsvSource(path)
    if fmt == "xlsx":
        return XlsxSource(path)
    return None
