"""``admin``: the import through the Django admin's views and templates, as a staff user
with CSRF checks on: the preview, then the confirmation, each measured, the database and
result verified against ``sequential``."""

import pytest

from bench.strategies import Settings, get

from .helpers import run_generated as run_case
from .helpers import sample_resource

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("scenario", ["create", "update", "mixed"])
def test_preview_then_confirm_reproduces_sequential(scenario, make_data):
    data = make_data(60, scenario)
    run = run_case("admin", data)
    assert run.verification.verified, run.verification.reason
    preview, confirm = run.outcome.chunks
    assert (preview.committed, confirm.committed) == (False, True)
    assert preview.response_bytes > 10_000  # the preview page, a row of diff per row
    assert confirm.response_bytes == 0  # a redirect to the change list
    assert preview.queries > 0 and confirm.queries > 0
    assert confirm.totals == dict(run.outcome.result.totals)


@pytest.mark.parametrize("values", [
    {"inner": "tuned"}, {"inner": "bulk"}, {"skip_diff": True}, {"skip_html_diff": True},
    {"tmp_storage": "CacheStorage"}, {"tmp_storage": "MediaStorage"}])
def test_every_admin_setting_reproduces_sequential(values, make_data):
    data = make_data(60, "mixed")
    settings = Settings(inner=values.pop("inner", "sequential")).with_values(**values)
    run = run_case("admin", data, settings)
    assert run.verification.verified, run.verification.reason
    assert [c.committed for c in run.outcome.chunks] == [False, True]


def test_skipping_the_diff_shrinks_the_preview(make_data):
    data = make_data(60, "update")
    full = run_case("admin", data).outcome.chunks[0].response_bytes
    lean = run_case("admin", data, Settings().with_values(skip_diff=True))
    assert lean.outcome.chunks[0].response_bytes < full / 2


def test_one_step_without_the_preview(make_data):
    data = make_data(60, "create")
    run = run_case("admin", data, Settings().with_values(skip_admin_confirm=True))
    assert run.verification.verified, run.verification.reason
    [step] = run.outcome.chunks
    assert step.committed and step.response_bytes == 0


def test_a_preview_with_errors_imports_nothing_and_says_so(make_data):
    """The errors file has error rows, which roll sequential's whole import back too: the
    same database and the same errors, numbered as sequential numbers them."""
    from sample_app.models import Book

    data = make_data(60, "errors", invalid_fraction=0.1)
    before = Book.objects.count()
    run = run_case("admin", data)
    [preview] = run.outcome.chunks
    assert not preview.committed and Book.objects.count() == before
    assert run.verification.verified, run.verification.reason
    assert run.outcome.result.has_errors()
    assert "offered no confirmation" in " ".join(run.outcome.known_differences)


def test_the_projects_own_admin_serves_the_import(make_data):
    from bench.strategies.admin_site import serve

    data = make_data(5, "create")
    served = serve(sample_resource(data))
    assert served.own and type(served.model_admin).__name__ == "BookAdmin"
    with pytest.raises(Exception, match="admin has no dry run"):
        get("admin").check(sample_resource(data), data.dataset,
                           Settings(dry_run=True))


def test_the_run_reports_each_step(tmp_path):
    """``python -m bench run`` with the admin: the summary's step table, a row per admin
    setting, and the fastest verified one against sequential."""
    from .helpers import bench_cli

    bench_cli("run", "--strategies", "admin,sequential", "--rows", "60", "--scenarios",
              "create", "--rounds", "1", "--no-flames", "--no-memory",
              "--skip-admin-confirm", "false,true", "--out", str(tmp_path / "out"),
              tmp_path=tmp_path)
    run_dir = tmp_path / "out" / "latest"
    summary = (run_dir / "summary.md").read_text()
    table = summary.split("## The admin import, step by step")[1]
    header = next(line for line in table.splitlines() if line.startswith("| case "))
    column = {name: i for i, name in enumerate(header.strip("| ").split(" | "))}
    rows = {line.split(" | ")[0].strip("| "): line.strip("| ").split(" | ")
            for line in table.splitlines() if line.startswith("| admin-")}
    assert len(rows) == 2
    two_steps, one_step = (rows[k] for k in sorted(rows, key=lambda k: "one1" in k))
    assert int(two_steps[column["step 1 HTML bytes"]].replace(",", "")) > 10_000
    assert one_step[column["step 2 s"]] == "-"
    assert "create, 60 rows: fastest verified admin setting admin-" in table
    # the preview is saved to open from disk, and (where Chromium is) laid out by it
    [saved] = (run_dir / "pages").iterdir()
    assert saved.name == "admin-create-60.preview.html" and b"file://" in saved.read_bytes()
    laid_out = two_steps[column["preview laid out s"]]
    from bench.probes.browser import chromium
    assert (laid_out != "-") == (chromium() is not None)
    assert one_step[column["preview laid out s"]] == "-"
    report = (run_dir / "report.html").read_text()
    assert "The admin import, step by step" in report
    assert 'href="pages/admin-create-60.preview.html"' in report


@pytest.mark.parametrize("transactions", [True, False])
@pytest.mark.parametrize("kind", ["invalid", "error"])
def test_one_step_keeps_what_the_atomicity_table_says(kind, transactions, make_data):
    """Without the preview the admin imports at the upload with
    rollback_on_validation_errors, which only a transaction honours."""
    from dataclasses import replace

    from bench.execute.importing import import_dataset
    from bench.strategies.atomicity import persisted
    from sample_app.models import Book
    from sample_app.resources import FlatBookResource

    from .helpers import with_changes

    clean = make_data(60)
    failing = {"invalid": ("published", "2021-02-30"), "error": ("author", "Nobody Atall")}
    column, value = failing[kind]
    settings = Settings().with_values(skip_admin_confirm=True)
    settings = settings if transactions else replace(settings, use_transactions=False)
    dataset = with_changes(clean, {37: {column: value}})
    report = import_dataset(dataset, FlatBookResource, "admin", settings, clean, verify=False)
    assert Book.objects.count() == persisted("admin", settings, 60, {37: kind})
    assert [(p.row, p.column, p.kind) for p in report.problems] == [(37, column, kind)]


def _bad_inputs(clean) -> dict[str, bytes]:
    """Every bad input of the README's reliability table, as a user would upload it."""
    from bench.data.spec import export

    from .helpers import with_changes
    from .test_bad_input import FILE_PROBLEMS, ROW_PROBLEMS

    files = {name: build(clean) for name, (build, _) in FILE_PROBLEMS.items()}
    for name, (changes, _) in ROW_PROBLEMS.items():
        files[name] = export(with_changes(clean, changes), "csv")
    return files


def test_a_bad_upload_gets_the_admins_own_error_page_and_writes_nothing(make_data):
    """Through the admin, every bad file of the reliability table: step 1 writes nothing
    (its import is a dry run), and the page shows the problem without offering a
    confirmation, except for files the admin takes for good ones: one without its title
    column (the preview shows blank titles), and on SQLite, which does not hold a text to
    its column's length, one with broken quoting (the preview shows rows run together;
    PostgreSQL refuses the long value, an error row). The harness refuses both before
    importing."""
    from bench.execute.generated import seed_generated
    from bench.strategies.admin_site import offers_confirmation, shows_problems
    from sample_app.models import Book
    from sample_app.resources import FlatBookResource

    clean = make_data(60)
    seed_generated(clean)
    admin = get("admin")
    logged = admin.prepare(FlatBookResource, clean.dataset, Settings())
    before = Book.objects.count()
    previewed = set()
    for name, payload in _bad_inputs(clean).items():
        page = admin.upload(logged, payload)
        html = page.content.decode(errors="replace")
        assert page.status_code == 200, name
        assert Book.objects.count() == before, name
        if offers_confirmation(html):
            previewed.add(name)
        else:
            assert shows_problems(html), name
    from django.db import connection

    sqlite = connection.vendor == "sqlite"
    assert previewed == {"missing column"} | ({"broken quoting"} if sqlite else set())
