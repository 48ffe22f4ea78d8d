"""Run by ``tests/test_synth.py`` in a process of its own (these models are not the
sample app's): for each seed, each resource and each clean scenario, a generated file
imports with ``sequential`` from the state the generator wrote, without one error, doing
what its scenario says; and an ``errors`` file reports exactly the rows injected. Prints
one JSON line per file."""

import json
import sys
import tempfile
from pathlib import Path

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.data.synth import SynthSpec, synthesize  # noqa: E402
from bench.verify.expected import expectation_problem  # noqa: E402
from tests.synthapp.resources import RESOURCES  # noqa: E402

call_command("migrate", verbosity=0)
folder = Path(tempfile.mkdtemp())
for seed in map(int, sys.argv[1:]):
    for name, resource_class in RESOURCES.items():
        for scenario in ("create", "update", "mixed", "errors"):
            rows = 1 + (seed * 7 + len(name)) % 60
            spec = SynthSpec(f"tests.synthapp.resources.{resource_class.__name__}", rows,
                             seed=seed, scenario=scenario,
                             invalid_fraction=0.3 if scenario == "errors" else None)
            data = synthesize(spec, resource_class)
            paths = data.write(folder / f"{name}-{seed}-{scenario}")
            call_command("flush", verbosity=0, interactive=False)
            call_command("loaddata", str(paths["related"]), verbosity=0)
            before = resource_class().import_data(data.existing, use_transactions=True)
            result = resource_class().import_data(data.dataset, use_transactions=True)
            if scenario == "errors":
                problem = expectation_problem(result, data.expected)
                print(json.dumps({"resource": name, "seed": seed, "scenario": scenario,
                                  "rows": rows, "kinds": data.kind_counts(),
                                  "problems": [problem] if problem else []}), flush=True)
                continue
            problems = [f"row {r.number}: {dict(r.error_dict)}" for r in result.invalid_rows]
            problems += [f"row {r.number}: {r.errors[0].error!r}" for r in result.error_rows]
            problems += [f"base: {e.error!r}" for e in result.base_errors]
            problems += [f"state row {r.number}: {dict(r.error_dict)}"
                         for r in before.invalid_rows]
            print(json.dumps({"resource": name, "seed": seed, "scenario": scenario,
                              "rows": rows, "totals": dict(result.totals),
                              "kinds": data.kind_counts(), "problems": problems[:3]}),
                  flush=True)
