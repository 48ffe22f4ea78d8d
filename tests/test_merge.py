"""Merging chunk results gives what one import of the whole file gives."""

import pytest
import tablib
from import_export.results import Error, Result

from bench.data.source import DatasetSource
from bench.execute.generated import seed_generated
from bench.strategies import Settings, get
from bench.strategies.chunking import split
from bench.strategies.contract import ChunkFact, max_overlap
from bench.strategies.merge import ChunkFailed, merge_results
from bench.verify import error_set
from sample_app.models import Book
from sample_app.resources import FlatBookResource

CHUNK = 4
#: 1-based rows to break, chosen at the first and last rows of chunks of 4.
BAD_DATE_ROWS = {1, 4, 5, 12}
UNKNOWN_AUTHOR_ROWS = {8, 9}


@pytest.fixture
def broken_file(make_data):
    data = make_data(12, "create")
    rows = []
    for number, row in enumerate(data.dataset.dict, 1):
        if number in BAD_DATE_ROWS:
            row["published"] = "2021-02-30"
        if number in UNKNOWN_AUTHOR_ROWS:
            row["author"] = "Nobody Anybody"
        rows.append(tuple(row.values()))
    data.source = DatasetSource(tablib.Dataset(*rows, headers=data.dataset.headers))
    return data


def _import(dataset):
    return FlatBookResource().import_data(dataset, use_transactions=False,
                                          collect_failed_rows=True)


@pytest.mark.django_db
def test_merged_chunks_equal_one_import_of_the_whole_file(broken_file):
    seed_generated(broken_file)
    whole = _import(broken_file.dataset)
    Book.objects.all().delete()  # back to the starting state
    parts = [(offset, _import(chunk)) for offset, chunk in split(broken_file.dataset, CHUNK)]
    before = [(r.totals.copy(), [i.number for i in r.invalid_rows]) for _, r in parts]

    merged = merge_results(parts, len(broken_file.dataset))

    assert dict(merged.totals) == dict(whole.totals)
    assert merged.total_rows == whole.total_rows == 12
    assert {i.number for i in merged.invalid_rows} == BAD_DATE_ROWS
    assert {e.number for e in merged.error_rows} == UNKNOWN_AUTHOR_ROWS
    assert error_set(merged) == error_set(whole)
    # the Error objects carry absolute numbers too, in rows and in error_rows alike
    numbers_in_rows = {e.number for row in merged.rows for e in row.errors}
    assert numbers_in_rows == UNKNOWN_AUTHOR_ROWS
    assert [r.import_type for r in merged.rows] == [r.import_type for r in whole.rows]
    assert merged.diff_headers == whole.diff_headers
    assert merged.failed_dataset.headers == whole.failed_dataset.headers
    assert list(merged.failed_dataset) == list(whole.failed_dataset)
    # the chunk results are left as they were
    assert [(r.totals, [i.number for i in r.invalid_rows]) for _, r in parts] == before


def test_base_errors_are_concatenated_and_failed_chunks_named():
    first, second = Result(), Result()
    first.total_rows = second.total_rows = 5
    first.append_base_error(Error(ValueError("first")))
    second.append_base_error(Error(KeyError("second")))
    lost = ChunkFact(index=2, first_row=11, rows=5, thread_id=0, pid=0, start=0, end=0,
                     committed=False, error="BrokenProcessPool: worker died")
    merged = merge_results([(0, first), (5, second), (10, None)], 15, [lost])
    messages = [str(e.error) for e in merged.base_errors]
    assert messages[:2] == ["first", "'second'"]
    assert isinstance(merged.base_errors[2].error, ChunkFailed)
    assert "chunk 3 (rows 11-15)" in messages[2] and "worker died" in messages[2]
    assert merged.total_rows == 15
    assert merged.has_errors()


def test_recipe_chunk_size_and_split_keep_every_row_once():
    dataset = tablib.Dataset(*[(str(i), f"t{i}") for i in range(1, 23)], headers=["a", "b"])
    size = get("async-chunked").chunk_size(len(dataset), Settings(async_size=10))
    assert size == 3  # the recipe's len(dataset) // async_size + 1
    chunks = split(dataset, size)
    assert [offset for offset, _ in chunks] == list(range(0, 22, 3))
    assert all(chunk.headers == ["a", "b"] for _, chunk in chunks)
    assert [row for _, chunk in chunks for row in chunk] == list(dataset)
    assert split(tablib.Dataset(headers=["a"]), 5) == []


def _fact(start, end):
    return ChunkFact(index=0, first_row=1, rows=1, thread_id=0, pid=0, start=start, end=end,
                     committed=True)


@pytest.mark.parametrize("spans, expected", [
    ([(0, 1), (1, 2), (2, 3)], 1),         # back to back never overlap
    ([(0, 2), (1, 3)], 2),
    ([(0, 10), (1, 2), (3, 4), (3.5, 5)], 3),
    ([], 0),
])
def test_max_overlap(spans, expected):
    assert max_overlap([_fact(s, e) for s, e in spans]) == expected
