"""A team's own project, through the public commands only: ``examples/inventory`` (a
composite import key, a natural-key foreign key, a one-to-one key, ``unique_together``,
``clean()`` rejecting rows, a ``post_save`` receiver writing another table, callable
defaults), on the engine the suite runs on, and the user's own database left untouched."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "examples" / "inventory"
PRODUCTS = "warehouse.resources.ProductResource"
PROFILES = "warehouse.resources.SupplierProfileResource"
ROWS = 150


def _user_database(tmp_path) -> tuple[dict, callable]:
    """The database the project's settings name, with rows of its own; returns the
    environment naming it and a function that reads it row for row."""
    server = os.environ.get("BENCH_DATABASE")
    if server:  # the PostgreSQL pass: a database of the user's on that server
        import psycopg

        settings = json.loads(server)
        name = f"inventory_user_{os.getpid()}"
        admin = dict(dbname=settings["NAME"], user=settings.get("USER") or None,
                     host=settings.get("HOST") or None, port=settings.get("PORT") or None,
                     autocommit=True)
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        from urllib.parse import quote

        url = (f"postgres://{settings.get('USER') or ''}@"
               f"{quote(settings.get('HOST') or 'localhost', safe='')}:"
               f"{settings.get('PORT') or 5432}/{name}")

        def read():
            with psycopg.connect(**{**admin, "dbname": name}) as conn:
                return sorted(conn.execute(
                    "SELECT sku, region, name, price::text FROM warehouse_product").fetchall())
    else:
        path = tmp_path / "users-own.sqlite3"
        url = f"sqlite:///{path}"

        def read():
            with sqlite3.connect(path) as db:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                rows = db.execute("SELECT sku, region, name, price FROM warehouse_product")
                return digest, sorted(rows.fetchall())
    env = {"INVENTORY_DATABASE_URL": url}
    theirs = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "inventory_site.settings"}
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["loaddata", "suppliers", "-v0"]):
        subprocess.run([*manage, *command], cwd=PROJECT, env=theirs, check=True,
                       capture_output=True)
    code = ("import django; django.setup(); from warehouse.models import Product, Supplier; "
            "Product.objects.create(sku='MINE-1', region='EU', supplier=Supplier.objects."
            "first(), name='my own row', price='9.99', stocked_on='2020-01-01')")
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT, check=True, env=theirs)
    return env, read


def bench(*args, tmp_path, env=None, check=True):
    """``python -m bench ARGS`` from the example project's folder, as its team would run
    it (the checkout on the path, for the test resources in ``tests/own``)."""
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full.pop("DJANGO_SETTINGS_MODULE", None)
    full.pop("BENCH_DATABASE", None)  # the engine comes from the project's settings
    done = subprocess.run([sys.executable, "-m", "bench", *args], cwd=PROJECT, env=full,
                          capture_output=True, text=True)
    if check:
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def small_file(tmp_path, name="products.csv", rows=ROWS) -> Path:
    lines = (PROJECT / "data" / name).read_text().splitlines()
    path = tmp_path / f"first-{rows}-{name}"
    path.write_text("\n".join(lines[:rows + 1]) + "\n")
    return path


def cases_of(out: Path) -> dict:
    return {c["id"]: c for c in json.loads((out / "latest" / "summary.json").read_text())
            ["cases"]}


def test_run_verifies_or_refuses_every_strategy_and_leaves_the_users_database(tmp_path):
    env, read = _user_database(tmp_path)
    before = read()
    out = tmp_path / "out"
    bench("run", "--resource", PRODUCTS, "--file", str(small_file(tmp_path)),
          "--fixture", "suppliers", "--scenarios", "create,update", "--rounds", "1",
          "--no-flames", "--no-memory", "--out", str(out), tmp_path=tmp_path, env=env)
    assert read() == before  # row for row (and, on SQLite, byte for byte)
    cases = cases_of(out)
    strategies = {c["strategy"] for c in cases.values()}
    assert {"sequential", "reference", "tuned", "bulk", "process-chunked"} <= strategies
    for case in cases.values():
        assert case["verified"] or case["refused"] or case["known_differences"], case["id"]
        if case["refused"] is None and case["strategy"] != "reference":
            assert case["queries"] / ROWS > 1  # per-row lookups: counted, not 0.00
    create = {c["strategy"]: c for c in cases.values() if c["scenario"] == "create"
              and "ts0" not in c["id"]}
    for name in ("sequential", "reference", "tuned", "bulk", "process-chunked"):
        assert create[name]["verified"], create[name]["verification"]
    # the rows clean() rejects are reported by every strategy, reference included
    assert create["reference"]["totals"]["invalid"] == create["sequential"]["totals"]["invalid"] > 0
    # callable defaults are left out of the comparison and named
    options = json.loads((out / "latest" / "options.json").read_text())
    assert "created by the harness" in options["database"] or "dropped after" in \
        options["database"]
    # each starting state is seeded once and restored from its copy before the other rounds
    states = json.loads((out / "latest" / "summary.json").read_text())["states"]
    labels = {s["state"] for s in states}
    assert labels == {f"first-{ROWS}-products create", f"first-{ROWS}-products update"}
    for state in states:
        assert len(state["made_s"]) == 1 and len(state["restored_s"]) >= 2, state


@pytest.mark.any_database  # the project's own SQLite, whatever the pass's
def test_a_post_save_receiver_is_compared_and_bulk_writes_are_refused(tmp_path):
    out = tmp_path / "out"
    bench("run", "--resource", PROFILES, "--file", str(PROJECT / "data" / "profiles.csv"),
          "--fixture", "suppliers", "--scenarios", "create,update", "--rounds", "1",
          "--strategies", "sequential,bulk,tuned,reference,process-chunked", "--no-flames",
          "--no-memory", "--out", str(out), tmp_path=tmp_path)
    cases = cases_of(out)
    for case in cases.values():
        if case["strategy"] in ("bulk", "tuned", "reference"):
            assert "post_save receivers" in case["refused"]
            assert "--allow-skip-signals" in case["refused"]
        else:
            assert case["verified"], case["verification"]
            # the table the receiver writes is compared too
            assert "warehouse.auditentry" in case["fingerprint"]["counts"]


@pytest.mark.any_database  # the project's own SQLite, whatever the pass's
def test_the_accounting_check_catches_a_result_the_database_does_not_hold(tmp_path):
    out = tmp_path / "out"
    bench("run", "--resource", "tests.own.recipe.LosingProductResource",
          "--file", str(small_file(tmp_path)), "--fixture", "suppliers",
          "--scenarios", "create", "--strategies", "sequential,bulk", "--rounds", "1",
          "--no-flames", "--no-memory", "--out", str(out), tmp_path=tmp_path)
    for case in cases_of(out).values():
        assert not case["verified"]
        assert "result disagrees with the database (warehouse.product)" in \
            case["verification"]
        assert "rows appeared" in case["verification"]


@pytest.mark.any_database  # the project's own SQLite, whatever the pass's
def test_a_resource_with_its_own_meta_and_thread_is_measured(tmp_path):
    out = tmp_path / "out"
    bench("run", "--resource", "tests.own.recipe.ThreadedProductResource",
          "--file", str(small_file(tmp_path)), "--fixture", "suppliers",
          "--scenarios", "create", "--strategies", "sequential,bulk,tuned", "--rounds", "1",
          "--no-flames", "--out", str(out), tmp_path=tmp_path)
    for case in cases_of(out).values():
        assert case["verified"], case["verification"]  # bulk kept Meta.thread_name
        assert case["queries"] / ROWS > 1  # statements of the resource's own thread
        # the memory pass measured the project's own file, each case in its own process
        assert case["memory_rows"] == ROWS and case["peak_python_mb"] > 0


@pytest.mark.any_database  # the project's own SQLite, whatever the pass's
def test_tune_and_import_on_the_project(tmp_path):
    out = tmp_path / "out"
    file = str(small_file(tmp_path))
    done = bench("tune", "--strategy", "tuned", "--resource", PRODUCTS, "--file", file,
                 "--fixture", "suppliers", "--rounds", "2", "--batch-sizes", "100",
                 "--no-flames", "--no-memory", "--out", str(out), tmp_path=tmp_path)
    assert "tuned" in done.stdout
    assert all(c["verified"] for c in cases_of(out).values())
    done = bench("import", file, "--resource", PRODUCTS, "--fixture", "suppliers",
                 "--strategy", "tuned", "--db-file", str(tmp_path / "import.sqlite3"),
                 tmp_path=tmp_path, check=False)
    assert done.returncode == 1, done.stderr  # clean() rejected rows: the user must look
    assert "price must be positive" in done.stdout
    assert "verified: same database, totals and errors as sequential" in done.stdout


@pytest.mark.any_database  # the project's own SQLite, whatever the pass's
def test_regress_gates_the_projects_configured_cases(tmp_path):
    # the project's cases, configured as in examples/inventory/pyproject.toml, on the first
    # rows of its files (the whole files take minutes)
    config = tmp_path / "pyproject.toml"
    config.write_text(f"""
[tool.django-import-bench]
settings = "inventory_site.settings"

[[tool.django-import-bench.cases]]
name = "products"
resource = "{PRODUCTS}"
file = "{small_file(tmp_path)}"
fixtures = ["suppliers"]
scenarios = ["create", "update"]

[[tool.django-import-bench.cases]]
name = "profiles"
resource = "{PROFILES}"
file = "{PROJECT / 'data' / 'profiles.csv'}"
fixtures = ["suppliers"]
scenarios = ["create", "update"]
""")
    env = {"PYTHONPATH": os.pathsep.join([str(PROJECT), str(ROOT)])}
    baseline = tmp_path / "baseline.json"
    bench("regress", "--config", str(config), "--update-baseline", "--baseline",
          str(baseline), "--reruns", "1", "--strategies", "sequential,tuned", "--rounds", "2",
          "--count-rows", "0", "--out", str(tmp_path / "out"), tmp_path=tmp_path, env=env)
    recorded = json.loads(baseline.read_text())
    assert any("products-create" in case for case in recorded["cases"])
    assert any("profiles-update" in case for case in recorded["cases"])
    done = bench("regress", "--config", str(config), "--baseline", str(baseline),
                 "--out", str(tmp_path / "out"), tmp_path=tmp_path, env=env, check=False)
    assert done.returncode in (0, 1), done.stderr  # compared (time may be judged noisy)
    assert "products-create" in done.stdout


@pytest.mark.any_database
@pytest.mark.parametrize("args, message", [
    (["--resource", "warehouse.resources.NoSuch"], "has no 'NoSuch'"),
    (["--resource", "nowhere.resources.X"], "module 'nowhere.resources' cannot be imported"),
    (["--resource", "tests.own.recipe.NotAResource"], "not a ModelResource subclass"),
    (["--resource", PRODUCTS, "--settings", "no_such_settings"],
     "settings module 'no_such_settings' cannot be imported"),
    (["--resource", PROFILES], "missing column(s) rating"),
])
def test_a_project_mistake_is_one_message_and_exit_2(args, message, tmp_path):
    done = bench("run", "--file", str(small_file(tmp_path)), "--fixture", "suppliers",
                 "--rounds", "1", "--no-flames", "--no-memory", "--out", str(tmp_path / "out"),
                 *args,
                 tmp_path=tmp_path, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.any_database
def test_a_database_the_harness_did_not_create_is_refused(tmp_path):
    env, read = _user_database(tmp_path)
    path = tmp_path / "users-own.sqlite3"
    before = read()
    done = bench("run", "--resource", PRODUCTS, "--file", str(small_file(tmp_path)),
                 "--db", "sqlite", "--db-file", str(path), "--rounds", "1", "--no-flames",
                 "--no-memory",
                 "--out", str(tmp_path / "out"), tmp_path=tmp_path, env=env, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "did not create" in done.stderr and "Traceback" not in done.stderr
    assert read() == before


@pytest.mark.any_database  # the project's own SQLite, whatever the pass's
def test_generated_files_for_the_projects_resource_in_every_scenario(tmp_path):
    out = tmp_path / "out"
    bench("run", "--resource", PRODUCTS, "--generate", "150", "--fixture", "suppliers",
          "--scenarios", "create,update,mixed,errors", "--rounds", "1", "--no-flames",
          "--no-memory",
          "--strategies", "sequential,tuned,reference,process-chunked",
          "--out", str(out), tmp_path=tmp_path)
    cases = cases_of(out)
    assert {c["scenario"] for c in cases.values()} == {"create", "update", "mixed", "errors"}
    for case in cases.values():
        if case["scenario"] != "errors":
            assert case["verified"], (case["id"], case["verification"])
            continue
        # the errors file: every case reports exactly the injected rows (the expectations
        # the generator wrote), sequential included; bulk modes refuse the repeated key,
        # chunks that commit separately keep other rows (a documented difference)
        assert "injected" not in case["verification"], case["verification"]
        if case["strategy"] == "sequential":
            assert case["verified"], case["verification"]
            assert case["totals"]["invalid"] > 0 and case["totals"]["error"] > 0
        elif case["strategy"] in ("tuned", "reference"):
            assert case["refused"], case["id"]
        else:
            assert case["refused"] or case["known_differences"], case["id"]
    totals = {c["scenario"]: c["totals"] for c in cases.values()
              if c["strategy"] == "sequential"}
    assert totals["create"]["new"] == 150 and totals["update"]["update"] == 150
    # the suppliers the project's fixture holds are the ones the files name
    create = next(f for f in json.loads((out / "latest" / "options.json").read_text())
                  ["files"] if f["scenarios"] == ["create"])
    related = [f for f in create["fixtures"] if f.endswith("related.json")]
    assert json.loads(Path(related[0]).read_text()) == []
    import csv

    with open(create["file"], newline="") as fh:
        suppliers = {json.loads(row["supplier"])[0] for row in csv.DictReader(fh)}
    assert suppliers and all(s.startswith("SUP-0") for s in suppliers)
    assert (totals["mixed"]["new"], totals["mixed"]["update"], totals["mixed"]["skip"]) == \
        (50, 50, 50)  # the resource skips unchanged rows


@pytest.mark.any_database
def test_generate_writes_a_file_and_its_state_or_names_what_it_cannot_fill(tmp_path):
    target = tmp_path / "products.xlsx"
    done = bench("generate", "--resource", PRODUCTS, "--rows", "50", "--scenario", "update",
                 "--format", "xlsx", "--out", str(target), tmp_path=tmp_path)
    assert "--fixture" in done.stderr and "--state" in done.stderr
    for part in ("products.related.json", "products.existing.csv", "products.expected.json"):
        assert (tmp_path / part).exists(), part
    again = tmp_path / "again.xlsx"
    bench("generate", "--resource", PRODUCTS, "--rows", "50", "--scenario", "update",
          "--format", "xlsx", "--out", str(again), "--no-cache", tmp_path=tmp_path)
    import tablib

    first, second = (tablib.Dataset().load(p.read_bytes(), format="xlsx") for p in (target, again))
    assert first.dict == second.dict  # the cache and a fresh generation agree
    hints = tmp_path / "hints.toml"
    hints.write_text('[hints]\nregion = ["EU", "US"]\n'
                     '"warehouse.supplier.name" = ["Acme", "Globex"]\n')
    hinted = tmp_path / "hinted.csv"
    bench("generate", "--resource", PRODUCTS, "--rows", "40", "--hints", str(hints),
          "--out", str(hinted), tmp_path=tmp_path)
    rows = hinted.read_text().splitlines()
    assert {line.split(",")[1] for line in rows[1:]} == {"EU", "US"}
    related = json.loads((tmp_path / "hinted.related.json").read_text())
    assert {o["fields"]["name"] for o in related} == {"Acme", "Globex"}
    done = bench("generate", "--resource", "tests.own.recipe.ExtraColumnResource", "--rows",
                 "5", "--out", str(tmp_path / "x.csv"), tmp_path=tmp_path, check=False)
    assert done.returncode == 2
    assert "'barcode'" in done.stderr and "--column barcode=module:function" in done.stderr
    assert "Traceback" not in done.stderr
