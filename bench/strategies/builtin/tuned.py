"""``tuned``: django-import-export's own fast path, in one process.

- ``use_bulk`` with ``batch_size`` and ``skip_diff`` (no deepcopy, no HTML diff per row);
- ``force_init_instance`` when none of the file's keys is in the database (pure creates:
  no instance lookup at all), otherwise a cached instance loader that fetches the existing
  instances in batches (the library's ``CachedInstanceLoader`` sends every key in one
  ``IN (...)``, which SQLite refuses beyond 32,766 parameters);
- ``CachedForeignKeyWidget`` in place of every plain ``ForeignKeyWidget`` (one query per
  related model instead of one per row), and the other value widgets swapped for the
  drop-ins of :mod:`bench.strategies.fast_widgets`, which give the library's results faster;
- updates written with one upsert per batch (``bulk_create(update_conflicts=True)``),
  because Django's ``bulk_update`` builds a CASE/WHEN per field in Python and measured
  ~26x slower on 5,000 rows here. Where the database has no upsert, ``bulk_update`` is used.

It can be chunked: ``process-chunked`` with ``inner="tuned"``.
"""

from __future__ import annotations

from django.db import connections

from ...data.gcpause import cyclic_gc_paused
from .. import register
from ..bases import SingleProcess
from ..contract import Refused
from ..fast_widgets import cached_lookups_missing
from ..resources import (
    BatchedCachedInstanceLoader,
    any_key_exists,
    derive,
    fast_fields,
    written_fields,
)
from ..settings import BATCH_SIZE, Settings


class TunedMixin:
    """Writes the pending updates of a bulk resource with one upsert per batch, computes
    the list of import fields once instead of once per row, and pauses the cyclic GC
    (every row's result stays alive until the import ends: 10-20% of the time here)."""

    def import_data(self, *args, **kwargs):
        with cyclic_gc_paused():
            return super().import_data(*args, **kwargs)

    def get_import_fields(self):
        fields = self.__dict__.get("_import_fields")
        if fields is None:
            fields = self._import_fields = super().get_import_fields()
        return fields

    def upsert_fields(self) -> list[str]:
        return written_fields(self)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None,
                    result=None):
        model = self._meta.model
        connection = connections[self.get_db_connection_name()]
        if not connection.features.supports_update_conflicts_with_target:
            return super().bulk_update(using_transactions, dry_run, raise_errors,
                                       batch_size=batch_size, result=result)
        if self.update_instances and (using_transactions or not dry_run):
            try:
                model.objects.bulk_create(
                    self.update_instances, batch_size=batch_size, update_conflicts=True,
                    unique_fields=[model._meta.pk.name], update_fields=self.upsert_fields(),
                )
            except Exception as e:  # noqa: BLE001 - reported the way the library does
                self.handle_import_error(result, e, raise_errors)
            finally:
                self.update_instances.clear()


def tuned_resource(resource_class, settings: Settings, creates_only: bool):
    options = {
        "use_bulk": True,
        "batch_size": settings.batch_size,
        # skip_diff turns off skip_unchanged: a resource that skips unchanged rows keeps
        # its diff, or it would report (and write) them as updates
        "skip_diff": not resource_class._meta.skip_unchanged,
        "force_init_instance": creates_only,
    }
    if not creates_only:  # creates never look an instance up: no need to load any
        options["instance_loader_class"] = BatchedCachedInstanceLoader
    return derive(resource_class, "Tuned", options, fast_fields(resource_class),
                  bases=(TunedMixin,))


@register
class Tuned(SingleProcess):
    name = "tuned"
    summary = ("use_bulk + skip_diff + force_init_instance/cached loader + "
               "CachedForeignKeyWidget + upsert for updates")
    knobs = (BATCH_SIZE,)
    saves_many_to_many = False
    rank = 4

    def check(self, resource_class, dataset, settings: Settings) -> None:
        super().check(resource_class, dataset, settings)
        missing = cached_lookups_missing(resource_class)
        if missing:
            raise Refused(f"{self.name} looks foreign keys up once per related model: {missing}")

    def resource_class_for(self, resource_class, dataset, settings, using="default"):
        creates_only = not any_key_exists(resource_class, dataset, using)
        return tuned_resource(resource_class, settings, creates_only)
