"""The imports of this project, guarded in its own test suite by django-import-bench's
pytest plugin: each test runs one import the way ``django-import-bench run`` does (on the
test database, verified against ``sequential`` and against what the database holds), and
``tests/import-baseline.json`` fails any test whose statements, totals or rows written
moved (``pytest --import-bench-update-baseline`` rewrites it after an intended change)."""

import pytest

PRODUCTS = "warehouse.resources.ProductResource"
PROFILES = "warehouse.resources.SupplierProfileResource"


@pytest.mark.parametrize("strategy", ["sequential", "tuned", "reference"])
def test_products_import_verifies(import_bench, strategy):
    case = import_bench(PRODUCTS, "data/products.csv", strategy=strategy,
                        fixtures=["suppliers"])
    assert case.verified, case.verification
    assert case.totals["new"] == 1970 and case.totals["invalid"] == 30


def test_tuned_sends_three_statements_per_row_or_fewer(import_bench):
    case = import_bench(PRODUCTS, "data/products.csv", strategy="tuned",
                        fixtures=["suppliers"], scenario="update", rounds=2)
    assert case.verified, case.verification
    assert case.queries_per_row <= 3.0


def test_bulk_writes_are_refused_where_a_receiver_listens(import_bench):
    case = import_bench(PROFILES, "data/profiles.csv", strategy="bulk",
                        fixtures=["suppliers"])
    assert "post_save receivers" in case.refused


def test_worker_processes_import_the_same_rows(import_bench, settings):
    case = import_bench(PRODUCTS, "data/products.csv", strategy="process-chunked",
                        fixtures=["suppliers"], settings={"workers": 2})
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        # pytest-django's SQLite test database lives in this process's memory
        assert "in-memory SQLite" in case.refused
    else:
        assert case.verified, case.verification
