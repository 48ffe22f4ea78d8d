"""``sequential``: stock ``import_data`` with the library's defaults. The baseline."""

from __future__ import annotations

from . import register
from .base import Outcome, Settings, Strategy


class SingleProcess(Strategy):
    """A strategy that imports the whole file with one resource, in this thread."""

    chunkable = True

    def run(self, resource_class, dataset, settings: Settings, prepared=None,
            using: str = "default") -> Outcome:
        from ..chunks import import_chunk
        from ..merge import merge_results

        self.check(resource_class, dataset, settings)
        result, fact = import_chunk(self, resource_class, dataset, settings, using=using)
        failed = [fact] if fact.error else []
        merged = merge_results([(0, result)], len(dataset), failed) if failed else result
        return Outcome(self.name, settings, merged, [fact])

    def resource_class_for(self, resource_class, dataset, settings, using="default"):
        return resource_class


@register
class Sequential(SingleProcess):
    name = "sequential"
    summary = "import_data with the library's defaults, one row at a time"
