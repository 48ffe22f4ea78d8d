"""Import strategies, registered by name.

A strategy is a :class:`~bench.strategies.contract.Strategy` subclass decorated with
:func:`register`. The built-in ones are the modules of :mod:`bench.strategies.builtin`, found
by walking that package. A strategy of your own is found the same way from a module you
name: list it in ``BENCH_STRATEGY_MODULES`` (comma-separated module names, importable from
where the harness runs), or publish it under the ``django_import_bench.strategies`` entry
point group of your package. Its knobs then appear in ``run``, ``tune``, the report and
``--help`` like those of a built-in strategy.

What the strategies share lives beside the registry: :mod:`.contract` (the base class and
what a run returns), :mod:`.settings` (settings and knobs), :mod:`.bases` (single-process
and chunked bases), :mod:`.chunking` and :mod:`.merge` (a chunk's import, the merge of chunk
results), :mod:`.resources` and :mod:`.fast_widgets` (deriving faster resources), and
:mod:`.atomicity` (what each strategy keeps when rows fail).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from importlib.metadata import entry_points

from .contract import ChunkFact, Outcome, Refused, Strategy
from .settings import Knob, Settings

__all__ = ["ChunkFact", "Knob", "Outcome", "Refused", "Settings", "Strategy", "default_names",
           "get", "knobs", "names", "register", "tunable"]

#: Comma-separated modules that register strategies of your own.
MODULES_ENV = "BENCH_STRATEGY_MODULES"
ENTRY_POINT_GROUP = "django_import_bench.strategies"

_REGISTRY: dict[str, type[Strategy]] = {}
_discovered: set[str] = set()


def register(cls: type[Strategy]) -> type[Strategy]:
    if cls.name in _REGISTRY and _REGISTRY[cls.name].__qualname__ != cls.__qualname__:
        raise ValueError(f"two strategies are named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def _import(module: str) -> None:
    if module not in _discovered:
        _discovered.add(module)
        importlib.import_module(module)


def _discover() -> None:
    from . import builtin

    for found in pkgutil.iter_modules(builtin.__path__):
        _import(f"{builtin.__name__}.{found.name}")
    for module in filter(None, (m.strip() for m in os.environ.get(MODULES_ENV, "").split(","))):
        _import(module)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        _import(point.module)


def names() -> list[str]:
    """Every registered strategy, built-in ones first in their ``rank``."""
    _discover()
    return sorted(_REGISTRY, key=lambda n: (_REGISTRY[n].rank, n))


def default_names() -> list[str]:
    """The strategies a matrix runs when none are named (:attr:`Strategy.in_default_matrix`)."""
    return [n for n in names() if _REGISTRY[n].in_default_matrix]


def get(name: str) -> Strategy:
    _discover()
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise KeyError(
            f"unknown strategy {name!r}; choose one of {', '.join(names())}"
        ) from None


def chunkable() -> list[str]:
    """Strategies that can run inside a chunk of a chunked strategy."""
    return [n for n in names() if _REGISTRY[n].chunkable]


def tunable() -> list[str]:
    """Strategies with at least one knob to sweep."""
    return [n for n in names() if _REGISTRY[n].knobs]


def knobs() -> dict[str, Knob]:
    """Every knob of every registered strategy, by name, in declaration order. Two
    strategies may share a knob (``batch_size``) but not declare it differently."""
    found: dict[str, Knob] = {}
    for name in names():
        for knob in _REGISTRY[name].knobs:
            if found.setdefault(knob.name, knob) != knob:
                raise ValueError(f"strategy {name!r} declares knob {knob.name!r} differently "
                                 "from another strategy; declare it once and share it")
    return found


def users(knob_name: str) -> list[str]:
    """The strategies that declare ``knob_name``."""
    return [n for n in names() if any(k.name == knob_name for k in _REGISTRY[n].knobs)]
