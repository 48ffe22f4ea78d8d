"""Import strategies, registered by name. Adding a strategy is adding one module here that
defines a :class:`~bench.strategies.base.Strategy` subclass decorated with :func:`register`.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import ChunkFact, Outcome, Refused, Settings, Strategy

__all__ = ["ChunkFact", "Outcome", "Refused", "Settings", "Strategy", "get", "names",
           "register"]

_REGISTRY: dict[str, type[Strategy]] = {}


def register(cls: type[Strategy]) -> type[Strategy]:
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"two strategies are named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def _discover() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")


def names() -> list[str]:
    _discover()
    order = ["sequential", "bulk", "async-chunked", "process-chunked", "tuned", "reference"]
    return sorted(_REGISTRY, key=lambda n: (order.index(n) if n in order else len(order), n))


def get(name: str) -> Strategy:
    _discover()
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise KeyError(
            f"unknown strategy {name!r}; choose one of {', '.join(names())}"
        ) from None
