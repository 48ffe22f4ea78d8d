"""One verified case: seed the database, run a strategy, compare with ``sequential``."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

from .datasets import GeneratedData
from .scenarios import seed_database
from .strategies import Outcome, Refused, Settings, get
from .verify import Fingerprint, Verification, compare, fingerprint

#: ``module:function`` of an optional hook, ``function(strategy_name, resource_class)``, that
#: returns the resource class a benchmark case imports with. For experiments with a resource
#: change, and for the regression gate's own tests, which inject an extra query or a sleep
#: into one strategy (``tests/injected.py``).
RESOURCE_HOOK_ENV = "BENCH_RESOURCE_HOOK"


def resource_class_for(data: GeneratedData, strategy: str | None = None):
    """The sample app's resource for the dataset's profile, passed through the hook (if
    ``BENCH_RESOURCE_HOOK`` is set) when a strategy is named."""
    from sample_app.resources import RESOURCES

    resource_class = RESOURCES[data.spec.profile]
    return hooked(strategy, resource_class) if strategy else resource_class


def hooked(strategy: str, resource_class):
    """``resource_class`` passed through ``BENCH_RESOURCE_HOOK``, if set."""
    hook = os.environ.get(RESOURCE_HOOK_ENV)
    if not hook:
        return resource_class
    module, _, name = hook.partition(":")
    return getattr(importlib.import_module(module), name)(strategy, resource_class)


@dataclass
class Baseline:
    """What ``sequential`` does with a dataset: the yardstick of correctness."""

    outcome: Outcome
    fingerprint: Fingerprint


@dataclass
class CaseRun:
    strategy: str
    settings: Settings
    outcome: Outcome | None
    #: ``None`` when the run was not verified (``verify=False``).
    verification: Verification | None
    refused: str | None = None


def sequential_baseline(resource_class, dataset, state: GeneratedData,
                        settings: Settings = Settings(), using: str = "default") -> Baseline:
    """Seed ``state``, import ``dataset`` with ``sequential`` (same ``use_transactions`` and
    ``dry_run``), print."""
    seed_database(state, using)
    plain = Settings(use_transactions=settings.use_transactions, dry_run=settings.dry_run)
    outcome = get("sequential").run(resource_class, dataset, plain, using=using)
    return Baseline(outcome, fingerprint(using))


def baseline(data: GeneratedData, settings: Settings = Settings(),
             using: str = "default") -> Baseline:
    """:func:`sequential_baseline` of a generated dataset."""
    return sequential_baseline(resource_class_for(data), data.dataset, data, settings, using)


def run_strategy(strategy_name: str, resource_class, dataset, state: GeneratedData,
                 settings: Settings = Settings(), base: Baseline | None = None,
                 verify: bool = True, using: str = "default") -> CaseRun:
    """Seed ``state``, run ``strategy_name`` once on ``dataset``, and unless ``verify`` is
    false verify it against ``base`` (made if absent)."""
    strategy = get(strategy_name)
    try:
        strategy.check(resource_class, dataset, settings)
        if verify and base is None:
            base = sequential_baseline(resource_class, dataset, state, settings, using)
        seed_database(state, using)
        prepared = strategy.prepare(resource_class, dataset, settings, using)
    except Refused as exc:
        return CaseRun(strategy_name, settings, None,
                       Verification(False, f"refused: {exc}"), refused=str(exc))
    outcome = strategy.run(resource_class, dataset, settings, prepared, using)
    verification = None
    if verify:
        verification = compare(outcome.result, fingerprint(using), base.outcome.result,
                               base.fingerprint, outcome.known_differences)
    return CaseRun(strategy_name, settings, outcome, verification)


def run_case(strategy_name: str, data: GeneratedData, settings: Settings = Settings(),
             base: Baseline | None = None, using: str = "default") -> CaseRun:
    """:func:`run_strategy` on a generated dataset, verified."""
    return run_strategy(strategy_name, resource_class_for(data), data.dataset, data,
                        settings, base, using=using)
