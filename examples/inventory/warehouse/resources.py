from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from .models import Product, Supplier, SupplierProfile


class SupplierResource(resources.ModelResource):
    class Meta:
        model = Supplier
        import_id_fields = ("code",)
        fields = ("code", "name", "country")


class ProductResource(resources.ModelResource):
    # The supplier column holds Supplier's natural key as a JSON list, e.g. ["SUP-007"]:
    # with use_natural_foreign_keys the widget json.loads() the cell and calls
    # Supplier.objects.get_by_natural_key(*value).
    supplier = fields.Field(
        attribute="supplier",
        column_name="supplier",
        widget=ForeignKeyWidget(Supplier, use_natural_foreign_keys=True),
    )

    class Meta:
        model = Product
        import_id_fields = ("sku", "region")
        fields = ("sku", "region", "supplier", "name", "price", "stocked_on", "active")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def before_import_row(self, row, **kwargs):
        if row.get("region"):
            row["region"] = row["region"].upper()
        if row.get("name"):
            row["name"] = row["name"].strip()


class SupplierProfileResource(resources.ModelResource):
    supplier = fields.Field(
        attribute="supplier",
        column_name="supplier",
        widget=ForeignKeyWidget(Supplier, field="code"),
    )

    class Meta:
        model = SupplierProfile
        import_id_fields = ("supplier",)
        exclude = ("id", "updated_at")
