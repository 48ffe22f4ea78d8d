"""The django-import-export resource every strategy imports through.

Options live in ``Meta`` as the library intends; strategies that tune the import derive
subclasses and change ``Meta`` rather than patching this one.
"""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget, ManyToManyWidget

from .models import Author, Book, Category

#: Column order of a generated file. ``categories`` is only present in the ``full`` profile.
BOOK_COLUMNS = (
    "isbn",
    "title",
    "author",
    "categories",
    "published",
    "price",
    "pages",
    "in_print",
    "description",
    "rating",
)


class FlatBookResource(resources.ModelResource):
    """Imports books keyed by ISBN with the author looked up by name (foreign key only).

    With the library's defaults an unknown author raises ``Author.DoesNotExist`` in the
    widget; django-import-export records that as an *error* row (not an invalid row), and
    with ``use_transactions`` on, any error row rolls the whole import back.
    """

    author = fields.Field(
        attribute="author",
        column_name="author",
        widget=ForeignKeyWidget(Author, field="name"),
    )

    class Meta:
        model = Book
        import_id_fields = ["isbn"]
        fields = tuple(c for c in BOOK_COLUMNS if c != "categories")


class BookResource(FlatBookResource):
    """:class:`FlatBookResource` plus the categories many-to-many, looked up by name.

    Declaring a many-to-many costs a query per row even when the file has no such column
    (the diff exports it), which is why the ``flat`` profile uses the flat resource.
    """

    categories = fields.Field(
        attribute="categories",
        column_name="categories",
        widget=ManyToManyWidget(Category, field="name", separator="|"),
    )

    class Meta(FlatBookResource.Meta):
        fields = BOOK_COLUMNS


