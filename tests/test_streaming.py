"""``streaming``: the file in blocks from a source that is never loaded whole, verified
against sequential; errors numbered in the whole file, bounded, and without the frames
that would keep every block alive; the two ways it commits."""

import gc
import os

import pytest
import tablib

from bench.data.files import InputError
from bench.data.source import CsvSource, DatasetSource, as_source
from bench.execute.generated import job_for, seed_generated
from bench.execute.runner import Baselines, run_case
from bench.execute.states import empty_tables
from bench.strategies import Refused, Settings, get
from bench.strategies.kept import not_kept
from sample_app.models import Book

from .helpers import baseline_of, sample_resource

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 240
BLOCKS = Settings(block_size=37, batch_size=50)


def _csv_copy(data, tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(data.dataset.export("csv"), encoding="utf-8")
    return CsvSource(path)


def _run_from_source(data, source, settings, base=None):
    """A generated dataset's job with the file given as ``source``, verified against
    ``base`` (sequential's import of the file in memory when not given)."""
    job = job_for("streaming", data, settings)
    job.source = source
    baselines = Baselines()
    baselines.keep(job, base or baseline_of(data, Settings(
        use_transactions=settings.use_transactions, dry_run=settings.dry_run)))
    return run_case(job, baselines=baselines)


@pytest.mark.any_database  # what is kept and numbered; PostgreSQL: the others
@pytest.mark.parametrize(("scenario", "inner"), [("create", "tuned"), ("update", "tuned"),
                                                  ("mixed", "tuned"), ("mixed", "sequential")])
def test_streaming_reproduces_sequential_from_a_csv_it_never_loads(scenario, inner,
                                                                   make_data, tmp_path):
    data = make_data(ROWS, scenario)
    source = _csv_copy(data, tmp_path)
    run = _run_from_source(data, source, BLOCKS.with_values(block_inner=inner))
    assert run.verification.verified, run.verification.reason
    assert source.loaded() is None  # the file was read a block at a time, never whole
    assert [c.first_row for c in run.outcome.chunks] == list(range(1, ROWS + 1, 37))
    assert run.outcome.result.total_rows == ROWS
    assert run.outcome.result.rows == []  # no RowResult kept for a clean row


@pytest.mark.any_database  # what is kept and numbered; PostgreSQL: the others
def test_errors_are_numbered_in_the_file_and_match_sequential(make_data):
    """Without transactions every block keeps its good rows, as sequential does: the
    database, totals and every (row, kind) match, and each error row is named by its
    number in the whole file."""
    data = make_data(ROWS, "errors", invalid_fraction=0.1)
    settings = BLOCKS.with_values(block_inner="sequential", use_transactions=False)
    run = _run_from_source(data, DatasetSource(data.dataset), settings)
    assert run.verification.verified, run.verification.reason
    result = run.outcome.result
    bad = {n for n, e in data.expected.items() if e.get("reported") in ("invalid", "error")}
    assert {r.number for r in result.invalid_rows} | {r.number for r in result.error_rows} \
        == bad
    assert max(bad) > 37  # beyond the first block: numbers were shifted
    for error_row in result.error_rows:
        for error in error_row.errors:
            assert error.error.__traceback__ is None  # the block's frames are let go
            assert type(error.error).__name__ in error.traceback  # the text is kept


@pytest.mark.any_database  # what is kept and numbered; PostgreSQL: the others
def test_error_limit_keeps_the_first_rows_and_counts_the_rest(make_data):
    data = make_data(ROWS, "errors", invalid_fraction=0.1)
    settings = BLOCKS.with_values(block_inner="sequential", use_transactions=False,
                                  error_limit=5)
    base = baseline_of(data, Settings(use_transactions=False))
    run = _run_from_source(data, DatasetSource(data.dataset), settings, base=base)
    assert run.verification.verified, run.verification.reason
    result = run.outcome.result
    failing = sorted({r.number for r in base.outcome.result.invalid_rows}
                     | {r.number for r in base.outcome.result.error_rows})
    kept = sorted({r.number for r in result.invalid_rows} | {r.number for r in result.error_rows})
    assert kept == failing[:5]
    assert not_kept(result) == (len(failing) - 5, failing[5])


@pytest.mark.any_database  # what is kept and numbered; PostgreSQL: the others
def test_a_wrong_count_of_rows_not_kept_fails_verification(make_data, monkeypatch):
    data = make_data(ROWS, "errors", invalid_fraction=0.1)
    settings = BLOCKS.with_values(block_inner="sequential", use_transactions=False,
                                  error_limit=5)
    base = baseline_of(data, Settings(use_transactions=False))
    job = job_for("streaming", data, settings)
    baselines = Baselines()
    baselines.keep(job, base)
    streaming = type(get("streaming"))
    original = streaming.run

    def miscounting(*args, **kwargs):
        outcome = original(*args, **kwargs)
        outcome.result.errors_not_kept -= 1
        return outcome

    monkeypatch.setattr(streaming, "run", miscounting)
    run = run_case(job, baselines=baselines)
    assert not run.verification.verified
    assert "not kept" in run.verification.reason


def test_blocks_commit_on_their_own_or_the_file_rolls_back_as_one(make_data):
    data = make_data(ROWS, "errors", invalid_fraction=0.1)
    resource = sample_resource(data)
    first_error = min(n for n, e in data.expected.items() if e.get("reported") == "error")
    seed_generated(data)
    before = Book.objects.count()
    get("streaming").run(resource, data.dataset, BLOCKS.with_values(block_inner="sequential"))
    per_block = Book.objects.count() - before
    assert per_block > 0  # blocks without an error row were kept

    empty_tables()
    seed_generated(data)
    before = Book.objects.count()
    outcome = get("streaming").run(resource, data.dataset, BLOCKS.with_values(
        block_inner="sequential", single_transaction=True))
    assert Book.objects.count() == before  # one error row undid the whole file
    assert first_error in {r.number for r in outcome.result.error_rows}
    assert not any(c.committed for c in outcome.chunks)
    assert outcome.result.has_errors()


def test_single_transaction_on_a_clean_file_reproduces_sequential(make_data):
    data = make_data(ROWS, "mixed")
    run = _run_from_source(data, DatasetSource(data.dataset),
                           BLOCKS.with_values(single_transaction=True))
    assert run.verification.verified, run.verification.reason
    assert run.outcome.known_differences == []


@pytest.mark.any_database  # what is kept and numbered; PostgreSQL: the others
def test_a_key_repeated_in_one_block_is_refused_with_file_row_numbers(make_data):
    data = make_data(100, "create")
    rows = list(data.dataset)
    rows[60] = rows[45]  # rows 46 and 61 of the file: both in the block 38-74
    dataset = tablib.Dataset(*rows, headers=data.dataset.headers)
    with pytest.raises(Refused, match="rows 46 and 61 share isbn"):
        get("streaming").check(sample_resource(data), dataset, BLOCKS)
    # in two blocks the rows run in file order, as in sequential: not refused
    get("streaming").check(sample_resource(data), dataset, BLOCKS.with_values(block_size=50))


@pytest.mark.any_database
def test_a_csv_source_names_a_broken_line_deep_in_the_file(tmp_path):
    path = tmp_path / "broken.csv"
    lines = ["isbn,title"] + [f"{n},t{n}" for n in range(1, 5000)] + ["9,too,many"]
    path.write_text("\n".join(lines) + "\n")
    source = CsvSource(path)
    assert source.headers == ["isbn", "title"]
    with pytest.raises(InputError, match=r"row 5000 \(line 5001\) has 3 cells"):
        source.check()
    path.write_bytes(b"isbn,title\n1,caf\xe9\n")
    with pytest.raises(InputError, match="not UTF-8"):
        list(CsvSource(path).rows())


@pytest.mark.any_database
def test_sources_give_the_same_blocks(tmp_path):
    dataset = tablib.Dataset(*[(str(n), f"t{n}") for n in range(10)], headers=["a", "b"])
    path = tmp_path / "f.csv"
    path.write_text(dataset.export("csv"))
    for source in (as_source(dataset), CsvSource(path)):
        blocks = list(source.blocks(4))
        assert [offset for offset, _ in blocks] == [0, 4, 8]
        assert [tuple(r) for _, b in blocks for r in b] == [tuple(r) for r in dataset]
        assert len(source) == 10 and list(source.head(3)) == list(dataset)[:3]
    gc.collect()


@pytest.fixture
def long_file_limit(monkeypatch):
    """Files of more than 100 rows count as too long for a sequential baseline."""
    from bench.execute import runner

    monkeypatch.setattr(runner, "SEQUENTIAL_BASELINE_MAX_ROWS", 100)


@pytest.mark.any_database  # what is kept and numbered; PostgreSQL: the others
@pytest.mark.parametrize("strategy", ["streaming", "sequential"])
def test_a_long_clean_file_is_verified_against_reference(strategy, make_data,
                                                         long_file_limit):
    data = make_data(ROWS, "mixed")
    run = run_case(job_for(strategy, data, BLOCKS))
    assert run.verification.verified, run.verification.reason
    assert "as reference (the baseline of a file this long" in run.verification.reason


@pytest.mark.any_database  # which imports run; the database does not change it
def test_reference_first_round_is_the_baseline_of_a_long_file(make_data, long_file_limit,
                                                              monkeypatch):
    """Above the sequential limit, ``reference`` with its default settings imports as the
    baseline would: its first round is the baseline of the cases after it (no extra
    import of the file), and what its open() prepared serves that round (one prepare()
    a round, not one more)."""
    from bench.execute import runner

    data = make_data(ROWS, "mixed")
    made, prepared = [], []
    make_baseline, prepare = runner.make_baseline, type(get("reference")).prepare
    monkeypatch.setattr(runner, "make_baseline",
                        lambda *a, **k: made.append(1) or make_baseline(*a, **k))
    monkeypatch.setattr(type(get("reference")), "prepare",
                        lambda *a, **k: prepared.append(1) or prepare(*a, **k))
    baselines = Baselines()
    reference = run_case(job_for("reference", data, Settings()), rounds=2,
                         baselines=baselines)
    assert reference.verification.verified, reference.verification.reason
    assert len(prepared) == 2 and made == []
    streaming = run_case(job_for("streaming", data, BLOCKS), baselines=baselines)
    assert streaming.verification.verified, streaming.verification.reason
    assert "as reference (the baseline of a file this long" in streaming.verification.reason
    assert made == [] and len(prepared) == 2
    # reference with other settings is a case like any other: the baseline is one more
    # import, and what open() tried is thrown away (baseline, open, round: 3 prepares)
    other = run_case(job_for("reference", data, Settings(batch_size=30)),
                     baselines=Baselines())
    assert other.verification.verified and made == [1] and len(prepared) == 5


@pytest.mark.any_database  # what is kept and numbered; PostgreSQL: the others
def test_a_long_file_reference_refuses_is_checked_against_its_record(make_data,
                                                                     long_file_limit,
                                                                     monkeypatch):
    data = make_data(ROWS, "errors", invalid_fraction=0.1)
    settings = BLOCKS.with_values(block_inner="sequential", use_transactions=False)
    run = run_case(job_for("streaming", data, settings))
    assert run.verification.verified, run.verification.reason
    assert "no baseline above 100 rows" in run.verification.reason
    # an import that drops a reported error is still caught, by the file's record
    streaming = type(get("streaming"))
    original = streaming.run

    def forgetful(*args, **kwargs):
        outcome = original(*args, **kwargs)
        outcome.result.invalid_rows.pop()
        return outcome

    monkeypatch.setattr(streaming, "run", forgetful)
    run = run_case(job_for("streaming", data, settings))
    assert not run.verification.verified
    assert "injected invalid row(s) not reported" in run.verification.reason


# -- streaming-parallel ------------------------------------------------------------------

PARALLEL = Settings(block_size=37, batch_size=50, workers=2)


@pytest.mark.parametrize(("scenario", "writer"), [("create", "workers"), ("update", "auto"),
                                                   ("mixed", "auto")])
def test_parallel_blocks_reproduce_sequential(scenario, writer, make_data, tmp_path):
    data = make_data(ROWS, scenario)
    source = _csv_copy(data, tmp_path)
    job = job_for("streaming-parallel", data, PARALLEL.with_values(writer=writer))
    job.source = source
    baselines = Baselines()
    baselines.keep(job, baseline_of(data))
    run = run_case(job, baselines=baselines)
    assert run.verification.verified, run.verification.reason
    assert source.loaded() is None
    chunks = run.outcome.chunks
    assert [c.first_row for c in chunks] == list(range(1, ROWS + 1, 37))  # merged in order
    # worker processes imported the blocks (how many each took is the scheduler's: on a
    # loaded machine one worker took all seven)
    assert os.getpid() not in {c.pid for c in chunks} and len({c.pid for c in chunks}) <= 2


def test_parallel_errors_are_numbered_in_the_file(make_data):
    data = make_data(ROWS, "errors", invalid_fraction=0.1)
    # the errors file repeats a key in another block: refused, as blocks run at once
    with pytest.raises(Refused, match="different blocks that may run at the same time"):
        get("streaming-parallel").check(sample_resource(data), data.dataset, PARALLEL)
    twins = {n for n, e in data.expected.items() if e["kind"] == "duplicate_key"}
    rows = [row for n, row in enumerate(data.dataset, 1) if n not in twins]
    dataset = tablib.Dataset(*rows, headers=data.dataset.headers)
    settings = PARALLEL.with_values(use_transactions=False)
    base = run_case(job_for("sequential", data, Settings(use_transactions=False),
                            dataset=dataset))
    job = job_for("streaming-parallel", data, settings, dataset=dataset)
    baselines = Baselines()
    run = run_case(job, baselines=baselines)
    assert run.verification.verified, run.verification.reason
    mine, theirs = run.outcome.result, base.outcome.result
    assert {r.number for r in mine.invalid_rows} == {r.number for r in theirs.invalid_rows}
    assert {r.number for r in mine.error_rows} == {r.number for r in theirs.error_rows}
    assert max(r.number for r in mine.error_rows) > 37


@pytest.mark.any_database
def test_import_streams_a_csv_but_reads_it_whole_before_it_starts(tmp_path):
    """``import --strategy streaming`` reads the file a block at a time, so a broken line
    at its end is found by the whole reading before any block is imported: one message,
    exit 2, nothing written."""
    from .helpers import bench_cli

    good = tmp_path / "good.csv"
    bench_cli("generate", "--rows", "300", "--out", str(good), tmp_path=tmp_path)
    done = bench_cli("import", str(good), "--strategy", "streaming", "--block-size", "70",
                     tmp_path=tmp_path)
    assert "streaming: 300 rows; new 300" in done.stdout
    assert "verified" in done.stdout
    broken = tmp_path / "broken.csv"
    broken.write_text(good.read_text() + "1,2\n")
    done = bench_cli("import", str(broken), "--strategy", "streaming", tmp_path=tmp_path,
                     check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "row 301 (line 302) has 2 cells" in done.stderr
