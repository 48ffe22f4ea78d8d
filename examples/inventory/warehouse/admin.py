"""The warehouse's admin: products and supplier profiles imported from files."""

from django.contrib import admin
from import_export.admin import ImportMixin

from .models import Product, SupplierProfile
from .resources import ProductResource, SupplierProfileResource


@admin.register(Product)
class ProductAdmin(ImportMixin, admin.ModelAdmin):
    resource_classes = [ProductResource]
    list_display = ("sku", "region", "name", "price", "active")


@admin.register(SupplierProfile)
class SupplierProfileAdmin(ImportMixin, admin.ModelAdmin):
    resource_classes = [SupplierProfileResource]
