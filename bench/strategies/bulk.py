"""``bulk``: the library's ``use_bulk = True`` with ``batch_size``."""

from __future__ import annotations

from . import register
from .base import Refused, Settings, many_to_many_columns
from .sequential import SingleProcess


def derive(resource_class, suffix: str, meta_options: dict, attrs: dict | None = None,
           bases: tuple = ()):
    """A subclass of ``resource_class`` with ``meta_options`` added to its ``Meta``.

    django-import-export's metaclass inherits the parent's ``Meta`` options, so the new
    ``Meta`` only lists what changes.
    """
    meta = type("Meta", (), dict(meta_options))
    namespace = {"Meta": meta, "__module__": resource_class.__module__, **(attrs or {})}
    return type(f"{resource_class.__name__}{suffix}", (*bases, resource_class), namespace)


BULK_MODE = "uses django-import-export's bulk mode, which does not save many-to-many fields"


def refuse_many_to_many(strategy_name: str, resource_class, dataset, why: str = BULK_MODE
                        ) -> None:
    columns = many_to_many_columns(resource_class, dataset)
    if columns:
        raise Refused(
            f"{strategy_name} {why}: column(s) {', '.join(columns)} would be silently "
            "dropped. Use the 'flat' profile, or a strategy that saves many-to-many fields."
        )


@register
class Bulk(SingleProcess):
    name = "bulk"
    summary = "use_bulk = True: rows saved with bulk_create/bulk_update per batch_size"
    uses = ("batch_size", "use_transactions", "dry_run")

    def check(self, resource_class, dataset, settings: Settings) -> None:
        refuse_many_to_many(self.name, resource_class, dataset)

    def resource_class_for(self, resource_class, dataset, settings, using="default"):
        return derive(resource_class, "Bulk",
                      {"use_bulk": True, "batch_size": settings.batch_size})
