"""A resource in the manner of the async recipe: its own ``Meta`` option, its import run in
a thread of its own, and a bug that loses a row after the import reported it.

Imported by ``python -m bench`` runs on ``examples/inventory`` (the tests put the checkout on
``PYTHONPATH``)."""

import threading

from import_export import fields
from warehouse.models import Product
from warehouse.resources import ProductResource


class ThreadedProductResource(ProductResource):
    """``import_data`` in a thread of its own, reading ``Meta.thread_name`` (an option the
    library does not know): a strategy that replaced this ``Meta`` would break it."""

    class Meta(ProductResource.Meta):
        thread_name = "recipe-import"

    def import_data(self, *args, **kwargs):
        box = {}

        def work():
            try:
                box["result"] = super(ThreadedProductResource, self).import_data(*args,
                                                                                 **kwargs)
            finally:
                from django.db import connections

                connections.close_all()

        thread = threading.Thread(target=work, name=self.Meta.thread_name)
        thread.start()
        thread.join()
        return box["result"]


class LosingProductResource(ProductResource):
    """Reports every row it imported, then deletes one: every strategy agrees with
    ``sequential``, and only the accounting check can see it."""

    def import_data(self, dataset, dry_run=False, **kwargs):
        result = super().import_data(dataset, dry_run=dry_run, **kwargs)
        if not dry_run:
            Product.objects.filter(pk=Product.objects.order_by("pk").values("pk")[:1]).delete()
        return result


class NotAResource:
    """Not a ModelResource."""


class ExtraColumnResource(ProductResource):
    """A declared column with no attribute behind it: nothing says what it holds, so the
    generator must name it rather than fill it."""

    barcode = fields.Field(column_name="barcode")

    class Meta(ProductResource.Meta):
        fields = (*ProductResource.Meta.fields, "barcode")
