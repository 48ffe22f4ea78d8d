"""Bad input, for every strategy: a clear error that names the row (numbered in the whole
file) and column or the cause, no valid row silently dropped, and the database in the state
the strategy documents (see ``bench/atomicity.py`` and the README's atomicity table).

File-level problems (empty, no data, missing columns, wrong delimiter, not UTF-8, broken
quoting) are refused by the loader before any strategy runs; row-level problems go through
every strategy, through the Python API here and through ``python -m bench import`` in the
command-line tests at the end.
"""

import codecs

import pytest

from bench.data.files import InputError, check_columns, load
from bench.data.spec import export
from bench.execute.importing import import_dataset
from bench.strategies import Settings, get
from bench.strategies.atomicity import persisted
from sample_app.models import Book
from sample_app.resources import FlatBookResource

from .helpers import bench_cli, books_in_database, kept_isbns, with_changes

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 60
STRATEGIES = {
    "sequential": Settings(),
    "bulk": Settings(batch_size=20),
    "async-chunked": Settings(async_size=3),  # chunks of 21 rows: 1-21, 22-42, 43-60
    "process-chunked": Settings(workers=2),  # chunks of 30 rows: 1-30, 31-60
    "tuned": Settings(batch_size=20),
    "reference": Settings(batch_size=20),
}
RESOURCE = FlatBookResource


@pytest.fixture(scope="module")
def clean(make_data):
    return make_data(ROWS)


def _load_bytes(tmp_path, payload: bytes, name="books.csv"):
    path = tmp_path / name
    path.write_bytes(payload)
    return path


# -- row-level problems, every strategy -------------------------------------------------

ROW_PROBLEMS = {
    "bad date": ({5: {"published": "2021-02-30"}}, [(5, "published", "invalid")]),
    "bad decimal": ({25: {"price": "12,99 EUR"}}, [(25, "price", "error")]),
    # IntegerWidget parses through Decimal: "twelve" raises, so it is an error row
    "bad integer": ({40: {"pages": "twelve"}}, [(40, "pages", "error")]),
    "unknown author": ({50: {"author": "Nobody Atall"}}, [(50, "author", "error")]),
}


@pytest.mark.parametrize("strategy", list(STRATEGIES))
@pytest.mark.parametrize("problem", list(ROW_PROBLEMS))
def test_bad_value_is_named_by_row_and_column_and_nothing_else_is_lost(
        problem, strategy, clean):
    changes, expected = ROW_PROBLEMS[problem]
    dataset = with_changes(clean, changes)
    report = import_dataset(dataset, RESOURCE, strategy, STRATEGIES[strategy], clean)
    if strategy == "reference" and expected[0][2] == "error":
        assert f"row {expected[0][0]} does not clean" in report.refused
        return
    found = [(p.row, p.column, p.kind) for p in report.problems]
    assert found == expected
    assert report.failed
    if strategy != "reference":  # the yardstick keeps no row results: it writes, no more
        assert books_in_database() == kept_isbns(report, dataset)
    failing = {row: kind for row, _, kind in expected}
    assert len(books_in_database()) == persisted(strategy, STRATEGIES[strategy], ROWS, failing)
    if report.verification is not None:  # sequential is the baseline itself
        # same errors at the same rows; the database differs only where chunks commit
        # separately, which the verification names and never counts as a pass
        assert report.verification.verified or (
            report.verification.known_differences
            and "errors differ" not in report.verification.reason
            and "totals differ" not in report.verification.reason), \
            report.verification.reason


def test_a_one_megabyte_cell_imports_with_every_strategy(clean):
    big = "x" * 2**20
    dataset = with_changes(clean, {7: {"description": big}})
    for strategy, settings in STRATEGIES.items():
        report = import_dataset(dataset, RESOURCE, strategy, settings, clean)
        assert not report.failed, (strategy, report.problems, report.verification)
        assert len(Book.objects.get(isbn=dataset[6][0]).description) == 2**20


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_a_duplicate_key_inside_one_chunk(strategy, clean):
    isbn = clean.dataset[2][0]
    dataset = with_changes(clean, {8: {"isbn": isbn}})  # rows 3 and 8: one chunk everywhere
    report = import_dataset(dataset, RESOURCE, strategy, STRATEGIES[strategy], clean)
    if strategy == "reference":
        assert "row 8 repeats the isbn of row 3" in report.refused
        return
    if strategy in ("bulk", "tuned"):
        # bulk mode looks every row up before writing: the later row would be created again
        # (one bulk_create the database refuses), so the file is refused, naming both rows
        assert f"rows 3 and 8 share isbn {isbn}" in report.refused
        assert "sequential" in report.refused
        return
    # sequential: the later row updates the book the earlier row created
    assert report.problems == []
    assert report.verification is None or report.verification.verified
    assert report.outcome.result.totals["update"] == 1
    assert books_in_database() == kept_isbns(report, dataset)


@pytest.mark.parametrize("strategy, settings", [
    ("async-chunked", Settings(async_size=3)),
    ("async-chunked", Settings(async_size=3, thread_sensitive=False)),
    ("process-chunked", Settings(workers=2)),
])
def test_the_same_key_in_two_chunks_is_never_left_to_chance(strategy, settings, clean):
    isbn = clean.dataset[9][0]
    dataset = with_changes(clean, {45: {"isbn": isbn}})  # rows 10 and 45: different chunks
    report = import_dataset(dataset, RESOURCE, strategy, settings, clean)
    if get(strategy).concurrent(settings):
        # either chunk could write first: refused, naming both rows
        assert "rows 10 and 45 share isbn" in report.refused
        assert books_in_database() == set()
        return
    # chunks in file order: row 45 updates the book row 10 created, as in sequential
    assert report.verification.verified, report.verification.reason
    assert report.outcome.result.totals["update"] == 1
    assert books_in_database() == kept_isbns(report, dataset)


def test_extra_columns_are_ignored_and_named(clean, tmp_path):
    dataset = with_changes(clean, {})
    dataset.append_col(["x"] * ROWS, header="shelf")
    path = _load_bytes(tmp_path, export(dataset, "csv"))
    loaded = load(path)
    assert check_columns(loaded, RESOURCE, path) == ["shelf"]
    report = import_dataset(loaded, RESOURCE, "tuned", STRATEGIES["tuned"], clean)
    assert not report.failed


def test_a_byte_order_mark_is_dropped(clean, tmp_path):
    path = _load_bytes(tmp_path, codecs.BOM_UTF8 + export(clean.dataset, "csv"))
    loaded = load(path)
    assert loaded.headers[0] == "isbn"
    assert check_columns(loaded, RESOURCE, path) == []


# -- file-level problems: refused before any strategy runs ------------------------------

def _csv(clean) -> bytes:
    return export(clean.dataset, "csv")


FILE_PROBLEMS = {
    "empty": (lambda c: b"", "the file is empty"),
    "headers only": (lambda c: _csv(c).split(b"\n", 1)[0] + b"\n", "no data rows"),
    "missing column": (
        lambda c: export(_drop(c, "title"), "csv"), "missing column(s) title"),
    "wrong delimiter": (lambda c: _csv(c).replace(b",", b";"), "separated by ';'"),
    "not UTF-8": (lambda c: _csv(c).replace(b"\n", b"\nCaf\xe9 ", 3)[:-1] + b"\n",
                  "line 2: byte 0xe9 is not UTF-8"),
    "broken quoting": (lambda c: _csv(c).replace(b"\n", b'\n"', 4), "line "),
}


def _drop(data, column):
    copy = with_changes(data, {})
    del copy[column]
    return copy


@pytest.mark.parametrize("problem", list(FILE_PROBLEMS))
def test_a_bad_file_is_refused_with_the_cause(problem, clean, tmp_path):
    build, message = FILE_PROBLEMS[problem]
    path = _load_bytes(tmp_path, build(clean))
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_columns(load(path), RESOURCE, path)


# -- the command line -------------------------------------------------------------------

@pytest.mark.parametrize("problem", list(FILE_PROBLEMS))
def test_command_line_refuses_a_bad_file_without_a_traceback(problem, clean, tmp_path):
    build, message = FILE_PROBLEMS[problem]
    path = _load_bytes(tmp_path, build(clean))
    done = bench_cli("import", str(path), "--strategy", "tuned", tmp_path=tmp_path,
                     check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message.split("(")[0] in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("strategy", ["sequential", "process-chunked", "tuned"])
def test_command_line_names_bad_rows_and_exits_non_zero(strategy, clean, tmp_path):
    changes = {**ROW_PROBLEMS["bad date"][0], **ROW_PROBLEMS["unknown author"][0]}
    path = _load_bytes(tmp_path, export(with_changes(clean, changes), "csv"))
    done = bench_cli("import", str(path), "--strategy", strategy, tmp_path=tmp_path,
                     check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "row 5, column published = '2021-02-30'" in done.stdout
    assert "row 50, column author = 'Nobody Atall'" in done.stdout
    assert "Traceback" not in done.stderr
    if strategy == "tuned":
        assert "against sequential: verified" in done.stdout
    if strategy == "process-chunked":  # rows 1-30 kept but invalid row 5, 31-60 rolled back
        assert "29 books in the database" in done.stdout
        assert "NOT verified" in done.stdout and "chunks commit separately" in done.stdout


def test_command_line_imports_a_clean_file_and_exits_zero(clean, tmp_path):
    path = _load_bytes(tmp_path, export(clean.dataset, "json"), "books.json")
    done = bench_cli("import", str(path), "--strategy", "async-chunked", "--async-size", "3",
                     tmp_path=tmp_path)
    assert f"{ROWS} books in the database" in done.stdout
    assert "against sequential: verified" in done.stdout


def test_rows_without_a_key_are_new_rows_not_repeated_keys():
    """Leaving the ``id`` column blank for new rows is the usual way to create: no
    strategy may call that a repeated key."""
    import tablib
    from import_export import resources

    from bench.strategies.bases import repeated_keys
    from sample_app.models import Author

    class ById(resources.ModelResource):
        class Meta:
            model = Author
            fields = ("id", "name")

    blank = tablib.Dataset(("", "a"), (None, "b"), ("", "c"), headers=["id", "name"])
    assert list(repeated_keys(ById, blank)) == []
    repeated = tablib.Dataset(("", "a"), ("7", "b"), ("7", "c"), headers=["id", "name"])
    assert list(repeated_keys(ById, repeated)) == [(2, 3, ["id"], ("7",))]
