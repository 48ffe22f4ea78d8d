"""The sample app's admin: books imported through django-import-export's ImportMixin, as a
team would register them. The ``admin`` strategy measures this admin's import views."""

from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from .models import Book
from .resources import BookResource, FlatBookResource


@admin.register(Book)
class BookAdmin(ImportExportModelAdmin):
    resource_classes = [FlatBookResource, BookResource]
    list_display = ("isbn", "title", "author", "price")
