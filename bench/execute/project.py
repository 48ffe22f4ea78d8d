"""The project under test: the resource class a case imports with, and the starting state
of a generated dataset.

Today that is the sample app (its resources by dataset profile, its seeded state); cases
reach it only through :func:`job_for`, so that another project can take its place here.
"""

from __future__ import annotations

import importlib
import os
from functools import partial

from ..data.generate import GeneratedData
from ..data.seed import seed_database
from ..strategies import Settings
from .runner import Job, StartingState

#: ``module:function`` of an optional hook, ``function(strategy_name, resource_class)``, that
#: returns the resource class a benchmark case imports with. For experiments with a resource
#: change, and for the regression gate's own tests, which inject an extra query or a sleep
#: into one strategy (``tests/injected.py``).
RESOURCE_HOOK_ENV = "BENCH_RESOURCE_HOOK"


def resource_class_for(profile: str, strategy: str | None = None):
    """The sample app's resource for a dataset profile, passed through the hook (if
    ``BENCH_RESOURCE_HOOK`` is set) when a strategy is named."""
    from sample_app.resources import RESOURCES

    resource_class = RESOURCES[profile]
    return hooked(strategy, resource_class) if strategy else resource_class


def hooked(strategy: str, resource_class):
    """``resource_class`` passed through ``BENCH_RESOURCE_HOOK``, if set."""
    hook = os.environ.get(RESOURCE_HOOK_ENV)
    if not hook:
        return resource_class
    module, _, name = hook.partition(":")
    return getattr(importlib.import_module(module), name)(strategy, resource_class)


def starting_state(data: GeneratedData) -> StartingState:
    """The database state a generated dataset expects."""
    return StartingState(key=data.spec, seed=partial(seed_database, data))


def job_for(strategy: str, data: GeneratedData, settings: Settings = Settings(),
            resource_class=None, dataset=None) -> Job:
    """A job importing a generated dataset (or ``dataset``, from the generated dataset's
    starting state) with the resource of its profile (or ``resource_class``)."""
    if resource_class is None:
        resource_class = resource_class_for(data.spec.profile, strategy)
    same_file = dataset is None
    return Job(strategy, resource_class, data.dataset if same_file else dataset,
               starting_state(data), settings,
               data_key=(data.spec, resource_class) if same_file else None)


def profile_of(dataset) -> str:
    """The dataset profile a file's columns say it is (``full`` has ``categories``)."""
    return "full" if "categories" in (dataset.headers or []) else "flat"
