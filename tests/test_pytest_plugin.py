"""The pytest plugin in a team's own suite: ``examples/inventory/tests/test_imports.py`` run
by pytest in the example project's folder, as its team runs it: the ``import_bench`` fixture
(registered by the package's entry point alone) runs verified cases on pytest-django's test
database, and the committed-baseline option fails a test whose figures moved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from .test_own_project import PROJECT, _user_database


def test_installing_the_package_registers_the_plugin():
    found = [e for e in entry_points(group="pytest11") if e.value == "bench.plugin"]
    assert found, "no pytest11 entry point for bench.plugin: is the package installed?"


def _databases_named_like(pattern: str) -> list[str]:
    import psycopg

    settings = json.loads(os.environ["BENCH_DATABASE"])
    with psycopg.connect(dbname=settings["NAME"], user=settings.get("USER") or None,
                         host=settings.get("HOST") or None,
                         port=settings.get("PORT") or None) as conn:
        return [r[0] for r in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,))]


def their_pytest(*args, env):
    """pytest in the example project, its own configuration, no harness option given."""
    full = {**os.environ, **env}
    for inherited in ("DJANGO_SETTINGS_MODULE", "BENCH_DATABASE", "PYTHONPATH"):
        full.pop(inherited, None)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                           "-p", "no:randomly", *args], cwd=PROJECT, env=full,
                          capture_output=True, text=True)


def test_their_suite_runs_verified_cases_and_fails_on_a_moved_figure(tmp_path):
    env, read = _user_database(tmp_path)
    before = read()
    baseline = tmp_path / "import-baseline.json"
    chosen = ["-k", "reference or refused or worker"]
    done = their_pytest(*chosen, f"--import-bench-baseline={baseline}",
                        "--import-bench-update-baseline", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert read() == before  # pytest-django's test database, never theirs
    out = done.stdout
    assert "reference-products-create-2000: 0.0" in out and "verified" in out
    cases = json.loads(baseline.read_text())["cases"]
    reference = next(v for k, v in cases.items() if k.endswith("reference-products-create-2000"))
    assert reference["verified"] and reference["totals"]["invalid"] == 30
    assert reference["rows_written"] == {"warehouse.product": 1970}
    refused = next(v for k, v in cases.items() if "bulk-profiles" in k)
    assert "post_save receivers" in refused["refused"]
    workers = next(v for k, v in cases.items() if "process-chunked" in k)
    if os.environ.get("BENCH_DATABASE"):  # PostgreSQL: worker processes see the test data
        assert workers["verified"] and workers["queries"] > 2000
        # the test database and the copies of its starting states are gone
        assert _databases_named_like("test_inventory_user_%") == []
    else:
        assert "in-memory SQLite" in workers["refused"]

    # one statement more than the baseline: that test fails naming the figure, and the
    # test whose entry is unchanged passes
    data = json.loads(baseline.read_text())
    key = next(k for k in data["cases"] if k.endswith("reference-products-create-2000"))
    data["cases"][key]["queries"] -= 1
    baseline.write_text(json.dumps(data))
    done = their_pytest("-k", "reference or refused", f"--import-bench-baseline={baseline}",
                        env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed" in done.stdout, done.stdout
    assert f"{key} moved from the baseline" in done.stdout
    was = data["cases"][key]["queries"]
    assert f"queries: {was:,} -> {was + 1:,}" in done.stdout
    assert "--import-bench-update-baseline" in done.stdout
    assert "Traceback" not in done.stdout


ISOLATION = '''
from warehouse.models import Supplier
from warehouse.resources import ProductResource


def test_a_writes_a_row_first(import_bench):
    Supplier.objects.create(pk=999, code="MINE-1", name="written by the test", country="EU")
    case = import_bench("warehouse.resources.ProductResource", "data/products.csv",
                        strategy="reference", fixtures=["suppliers"])
    assert case.verified, case.verification
    assert Supplier.objects.filter(code="MINE-1").exists()  # its own row is its state


def test_b_starts_without_it(import_bench):
    class Local(ProductResource):  # a resource defined in the test itself
        pass

    case = import_bench(Local, "data/products.csv", strategy="reference",
                        fixtures=["suppliers"])
    assert case.verified, case.verification
    assert not Supplier.objects.filter(code="MINE-1").exists()
'''


@pytest.mark.any_database
def test_each_test_starts_from_its_own_database(tmp_path):
    """A row one test wrote before its import is not in the next test's starting state;
    a resource class defined inside a test runs too."""
    tests = tmp_path / "test_isolation.py"
    tests.write_text(ISOLATION)
    done = their_pytest(str(tests), f"--rootdir={PROJECT}", "-c",
                        str(PROJECT / "pyproject.toml"), "-o", "import_bench_baseline=",
                        env={})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
