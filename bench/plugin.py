"""pytest plugin: a verified import inside a project's own pytest-django suite.

Installing django-import-bench registers it (the ``pytest11`` entry point); it adds one
fixture and two options and does nothing else until a test asks for the fixture.

.. code-block:: python

    def test_products_import_stays_fast_and_right(import_bench):
        case = import_bench("catalog.resources.ProductResource", "exports/products.csv",
                            strategy="tuned", fixtures=["suppliers"])
        assert case.verified, case.verification
        assert case.queries_per_row <= 3.1

``import_bench(resource, file, ...)`` runs one case the way ``django-import-bench run``
does (:func:`bench.execute.runner.run_case`): the strategy's ``check``, the ``sequential``
baseline from the same state, the starting state made once and restored before every round,
the timed rounds, verification of the database and the merged result against
``sequential`` and of the result against what changed in the database. It returns the
case's :class:`~bench.results.record.CaseRecord` (``verified``, ``verification``,
``refused``, ``queries``, ``queries_per_row``, ``totals``, ``times``, ``min_s``,
``median_s``), and the terminal summary lists every case the session ran.

The case runs on the test database pytest-django created (the fixture asks for
``transactional_db``: the rows are committed, so that worker processes see them, and
flushed after the test), never on the database the settings name.

**The committed baseline**, the way ``regress`` gates: with ``--import-bench-baseline PATH``
(or ``import_bench_baseline = PATH`` in the pytest configuration) every case is compared
with its entry in that file, by test and case id, and the test fails naming each figure
that moved: the SQL statements sent, the merged totals, the rows written per table and their
values, whether it verified. ``--import-bench-update-baseline`` measures and (re)writes the
entries of the tests that ran, keeping the others. Time is not gated here: a single case
has no yardstick in the same run (``regress`` divides by ``reference`` measured beside it),
and a test suite's machine is too noisy to compare seconds across runs; the statements
sent per row are the exact figure that a slower import moves.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

#: The format of a baseline file written by the plugin.
BASELINE_FORMAT = 1
BASELINE_OPTION = "--import-bench-baseline"
UPDATE_OPTION = "--import-bench-update-baseline"


def pytest_addoption(parser):
    group = parser.getgroup("django-import-bench", "django-import-bench (import_bench fixture)")
    group.addoption(BASELINE_OPTION, metavar="PATH", default=None,
                    help="compare every import_bench case with its entry in this baseline "
                    "file (statements, totals, rows written, verification): a test fails "
                    "naming what moved. Default: the import_bench_baseline ini option")
    group.addoption(UPDATE_OPTION, action="store_true",
                    help="measure the import_bench cases that run and write their entries "
                    "into the baseline file (the entries of other tests are kept)")
    parser.addini("import_bench_baseline", "the baseline file of the import_bench cases "
                  "(relative to the rootdir)", default="")


class ImportBenchSession:
    """What the cases of one pytest session share: the ``sequential`` baselines, the
    records for the terminal summary, the committed baseline and its new entries."""

    def __init__(self, config):
        self.config = config
        self.records: list[tuple[str, object]] = []
        self.update = config.getoption(UPDATE_OPTION)
        if self.update and hasattr(config, "workerinput"):
            raise pytest.UsageError(f"{UPDATE_OPTION} under pytest-xdist: every worker would "
                                    "rewrite the whole file; run it without -n")
        name = config.getoption(BASELINE_OPTION) or config.getini("import_bench_baseline")
        self.path = (config.rootpath / name) if name else None
        if self.update and self.path is None:
            raise pytest.UsageError(f"{UPDATE_OPTION} needs a baseline file: "
                                    f"{BASELINE_OPTION} PATH or import_bench_baseline in "
                                    "the pytest configuration")
        self._baseline: dict | None = None
        self.written: dict[str, dict] = {}
        #: The file the update run wrote (set when the session ends).
        self.saved: Path | None = None

    def baseline(self) -> dict:
        if self._baseline is None:
            if self.path is None or not self.path.exists():
                self._baseline = {"format": BASELINE_FORMAT, "cases": {}}
            else:
                self._baseline = json.loads(self.path.read_text())
                if self._baseline.get("format") != BASELINE_FORMAT and self.update:
                    self._baseline = {"format": BASELINE_FORMAT, "cases": {}}  # rewritten
                elif self._baseline.get("format") != BASELINE_FORMAT:
                    raise pytest.UsageError(
                        f"{self.path} has format {self._baseline.get('format')!r}, this "
                        f"version reads {BASELINE_FORMAT}: rewrite it with {UPDATE_OPTION}")
        return self._baseline

    def compare(self, key: str, record) -> None:
        """The update run keeps the record; the checking run fails the test naming what
        moved."""
        if self.path is None:
            return
        if self.update:
            self.written[key] = entry(record)
            return
        base = self.baseline()["cases"].get(key)
        if base is None:
            pytest.fail(f"{key} is not in the baseline {self.path}: measure it with "
                        f"{UPDATE_OPTION}, check the figures, commit the file", pytrace=False)
        lines = [f"  {problem}" for problem in moved(base, record)]
        if lines:
            pytest.fail("\n".join([f"{key} moved from the baseline {self.path}:", *lines,
                                   "If the change is intended, rewrite the entry with "
                                   f"{UPDATE_OPTION}."]), pytrace=False)

    def save(self) -> Path | None:
        if not (self.update and self.written and self.path is not None):
            return None
        from .execute.matrix import versions

        data = self.baseline()
        data["cases"].update(self.written)
        data["format"] = BASELINE_FORMAT
        data["updated"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        data["environment"] = versions()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        return self.path


def entry(record) -> dict:
    """A case's baseline entry: the figures that must not move, where it ran, and the
    refusal of a case that was refused (a refusal is behaviour too)."""
    from .results import gate

    if record.refused is not None:
        return {"db": record.db, "refused": record.refused}
    return {"db": record.db, **gate.exact_figures(record)}


def moved(base: dict, record) -> list[str]:
    """What differs between a baseline entry and a case's record, one line each."""
    from .results import gate

    if base.get("db", record.db) != record.db:
        return [f"the baseline was measured on {base['db']}, this run is on {record.db}: "
                "keep a baseline file per database"]
    if (base.get("refused") is None) != (record.refused is None):
        was = f"refused ({base['refused']})" if base.get("refused") else "ran"
        now = f"refused ({record.refused})" if record.refused else "ran"
        return [f"the baseline {was}, now it {now}"]
    if record.refused is not None:
        return []
    return [f"{c.figure}: {gate.describe(c.baseline, c.figure)} -> "
            f"{gate.describe(c.now, c.figure)}{'  (' + c.note + ')' if c.note else ''}"
            for c in gate.exact_checks("", base, record) if not c.ok]


class ImportBench:
    """The ``import_bench`` fixture: call it to run one verified case (see the module).

    The database as the test has it when the fixture starts (empty after migrations, plus
    whatever the test wrote first) is where every case of the test starts: the copies of
    states and the ``sequential`` baselines of one test are not used by another."""

    def __init__(self, request, session: ImportBenchSession):
        from .execute.runner import Baselines
        from .execute.states import forget_all

        self.request = request
        self.session = session
        self.baselines = Baselines()
        forget_all()

    def __call__(self, resource, file, *, strategy: str = "sequential",
                 scenario: str = "create", fixtures=(), state: str | None = None,
                 rounds: int = 1, settings: dict | None = None,
                 allow_skip_signals: bool = False, name: str = "", format: str | None = None,
                 using: str = "default"):
        """Import ``file`` through ``resource`` with ``strategy``, verified; the case's
        :class:`~bench.results.record.CaseRecord`.

        ``resource``: the ``ModelResource`` class or its dotted path. ``file``, ``state``
        and fixture paths: relative to pytest's rootdir. ``scenario``: ``create`` starts
        from the fixtures and ``state`` file; ``update`` also imports ``file`` once first.
        ``settings``: the strategy's knobs (``{"batch_size": 500}``). A strategy that
        refuses the case returns a record with ``refused`` set and ``verified`` false.
        """
        from .execute.config import ConfigError, FileCase
        from .execute.matrix import Case
        from .execute.project import ProjectProblem, file_job, load_file_case
        from .execute.runner import run_case
        from .probes import sql
        from .strategies import Settings, get, names

        # a mistake in the call fails the test with one line naming it, no traceback
        if strategy not in names():
            pytest.fail(f"import_bench: unknown strategy {strategy!r}; choose one of "
                        f"{', '.join(names())}", pytrace=False)
        resource_class = None
        if not isinstance(resource, str):  # a class, perhaps defined in the test itself
            resource_class = resource
            resource = (f"{getattr(resource, '__module__', '?')}."
                        f"{getattr(resource, '__qualname__', repr(resource))}")
        root = self.session.config.rootpath
        try:
            source = FileCase(resource=resource, file=str(file), name=name,
                              fixtures=tuple(str(f) for f in fixtures),
                              state=str(state) if state else None, scenarios=(scenario,),
                              format=format)
            data = load_file_case(source, root, resource_class)
        except (ProjectProblem, ConfigError) as exc:
            pytest.fail(f"import_bench: {exc}", pytrace=False)
        knobs = dict(settings or {})
        chosen = Settings(allow_skip_signals=allow_skip_signals).with_values(**knobs)
        known = {k.name for k in get(strategy).knobs_given(chosen)}
        unknown = sorted(set(knobs) - known)
        if unknown:
            pytest.fail(f"import_bench: {strategy} has no setting(s) {', '.join(unknown)}; "
                        f"it reads {', '.join(sorted(known)) or 'none'}", pytrace=False)
        case = Case(strategy, scenario, len(data.dataset), source.name, 0, chosen,
                    tuple(knobs), source=source)
        sql.install()  # every statement on every connection, as the bench app does
        job = file_job(strategy, data, scenario, root, chosen)
        run = run_case(job, rounds=rounds, baselines=self.baselines, using=using)
        from django.db import connections

        record = case.record(run, connections[using].vendor)
        key = f"{self.request.node.nodeid}::{record.id}"
        self.session.records.append((key, record))
        self.session.compare(key, record)
        return record


_SESSION_KEY = pytest.StashKey[ImportBenchSession]()


@pytest.fixture(scope="session")
def _import_bench_session(request):
    """The session's shared state; at its end, the copies of starting states are dropped
    (before pytest-django drops the test database)."""
    try:
        request.getfixturevalue("django_db_setup")
        blocker = request.getfixturevalue("django_db_blocker")
    except pytest.FixtureLookupError:
        raise pytest.UsageError("the import_bench fixture runs on pytest-django's test "
                                "database: install pytest-django") from None
    session = request.config.stash.get(_SESSION_KEY, None)
    if session is None:
        session = request.config.stash[_SESSION_KEY] = ImportBenchSession(request.config)
    yield session
    from .execute.states import forget_all

    with blocker.unblock():
        forget_all()


@pytest.fixture
def import_bench(request, transactional_db, _import_bench_session) -> ImportBench:
    """Run one verified import case on the test database: ``import_bench(resource, file,
    strategy=..., scenario=..., fixtures=..., rounds=...)`` returns its record (queries per
    row, verification, times). See :mod:`bench.plugin`."""
    return ImportBench(request, _import_bench_session)


def pytest_sessionfinish(session):
    state = session.config.stash.get(_SESSION_KEY, None)
    if state is not None:
        state.saved = state.save()


def pytest_terminal_summary(terminalreporter, config):
    state = config.stash.get(_SESSION_KEY, None)
    if state is None or not state.records:
        return
    from .results.summary import fmt

    terminalreporter.section("django-import-bench")
    for key, record in state.records:
        if record.refused is not None:
            terminalreporter.write_line(f"{key}: refused: {record.refused}")
            continue
        verdict = "verified" if record.verified else f"NOT verified: {record.verification}"
        terminalreporter.write_line(
            f"{key}: {fmt(record.queries_per_row, '.2f')} queries/row, "
            f"min {fmt(record.min_s, '.3f')} s over {len(record.times)} round(s), {verdict}")
    if state.saved is not None:
        terminalreporter.write_line(f"wrote {len(state.written)} case(s) into {state.saved}")
