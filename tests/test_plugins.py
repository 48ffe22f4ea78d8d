"""A strategy nobody here wrote, with a knob of its own, registered from a module outside the
harness: it must appear in ``--help``, ``run``, ``tune``, the report and the atomicity table
with no other file changed. Everything runs through the public command line."""

import json
import textwrap

import pytest

from .helpers import bench_cli

#: how a strategy is found and its knobs derived
pytestmark = pytest.mark.any_database

TOY = textwrap.dedent('''
    """A toy strategy: the library's bulk mode with batches of ``stride`` x 10 rows."""

    from bench.strategies import Knob, register
    from bench.strategies.bases import SingleProcess
    from bench.strategies.resources import derive

    STRIDE = Knob("stride", "batches of this many tens of rows", tag="st", sweep=(1, 3),
                  default=2, example=1, phrase="stride {}")


    @register
    class Toy(SingleProcess):
        name = "toy"
        summary = "use_bulk with batches of stride x 10 rows"
        knobs = (STRIDE,)
        saves_many_to_many = False  # bulk mode drops them: refuse such a file

        def resource_class_for(self, resource_class, dataset, settings, using="default"):
            return derive(resource_class, "Toy",
                          {"use_bulk": True, "batch_size": 10 * STRIDE.of(settings)})
''')


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plugin")
    (folder / "toy_strategy.py").write_text(TOY)
    env = {"BENCH_STRATEGY_MODULES": "toy_strategy", "PYTHONPATH": str(folder)}
    return folder, env


def _summary(out):
    return json.loads((out / "latest" / "summary.json").read_text())


def test_the_toy_is_in_the_help_with_its_knob(plugin, tmp_path):
    _, env = plugin
    run_help = " ".join(bench_cli("run", "--help", tmp_path=tmp_path, extra_env=env)
                        .stdout.split())
    assert "toy: use_bulk with batches of stride x 10 rows" in run_help
    assert "--stride STRIDE stride: batches of this many tens of rows; read by toy" in run_help
    tune_help = bench_cli("tune", "--help", tmp_path=tmp_path, extra_env=env).stdout
    tunable = tune_help.split("--strategy", 1)[1].split("{", 1)[1].split("}", 1)[0]
    assert "toy" in "".join(tunable.split()).split(",")  # a strategy with a knob is tunable
    assert "(default: 1, 3, and the default 2)" in " ".join(tune_help.split())


def test_run_measures_the_toy_alone_and_inside_chunks(plugin, tmp_path):
    _, env = plugin
    out = tmp_path / "out"
    bench_cli("run", "--rows", "40", "--strategies", "sequential,toy,process-chunked",
              "--scenarios", "create", "--rounds", "1", "--no-flames", "--no-memory",
              "--stride", "1,3",
              "--inner", "sequential,toy", "--out", str(out), tmp_path=tmp_path,
              extra_env=env)
    cases = {c["id"]: c for c in _summary(out)["cases"]}
    assert set(cases) == {"sequential-create-40", "toy-st1-create-40", "toy-st3-create-40",
                          "process-chunked-w2-create-40", "process-chunked-w2-toy-st1-create-40",
                          "process-chunked-w2-toy-st3-create-40"}
    for case in cases.values():
        assert case["verified"], case["verification"]
    assert cases["toy-st3-create-40"]["all_settings"]["stride"] == 3
    # bulk mode in batches of 10 rows: more statements than batches of 30
    assert cases["toy-st1-create-40"]["queries"] > cases["toy-st3-create-40"]["queries"]
    html = (out / "latest" / "report.html").read_text()
    assert "<td class=l>toy-st1-create-40</td>" in html


def test_tune_sweeps_the_toy_knob_with_its_default(plugin, tmp_path):
    _, env = plugin
    out = tmp_path / "out"
    done = bench_cli("tune", "--strategy", "toy", "--rows", "40", "--rounds", "1",
                     "--no-flames", "--no-memory", "--out", str(out), tmp_path=tmp_path,
                     extra_env=env)
    assert "toy: flat: create, 40 rows" in done.stdout
    ids = {c["id"] for c in _summary(out)["cases"]}
    assert {"toy-st1-create-40", "toy-st2-create-40", "toy-st3-create-40"} <= ids
    verdicts = json.loads((out / "latest" / "recommendations.json").read_text())
    assert [v["strategy"] for v in verdicts] == ["toy"]
    assert "toy: flat: create, 40 rows" in (out / "latest" / "report.html").read_text()


def test_the_atomicity_table_has_a_row_for_the_toy(plugin, tmp_path):
    _, env = plugin
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'sample_app.settings'; "
            "django.setup(); from bench.strategies.atomicity import table_markdown; "
            "print(table_markdown())")
    done = bench_cli(tmp_path=tmp_path, extra_env=env, python=["-c", code])
    assert "| toy (stride 1) | 59 | 0 | 59 | 59 | 0 |" in done.stdout
