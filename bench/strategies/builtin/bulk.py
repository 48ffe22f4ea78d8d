"""``bulk``: the library's ``use_bulk = True`` with ``batch_size``."""

from __future__ import annotations

from .. import register
from ..bases import SingleProcess
from ..resources import derive
from ..settings import BATCH_SIZE


@register
class Bulk(SingleProcess):
    name = "bulk"
    summary = "use_bulk = True: rows saved with bulk_create/bulk_update per batch_size"
    knobs = (BATCH_SIZE,)
    saves_many_to_many = False
    rank = 1

    def resource_class_for(self, resource_class, dataset, settings, using="default"):
        return derive(resource_class, "Bulk",
                      {"use_bulk": True, "batch_size": settings.batch_size})
