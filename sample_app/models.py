"""A catalogue shaped like the imports our users run: a foreign key looked up by name
(``Book.author``) and a many-to-many looked up by name (``Book.categories``)."""

from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=200, unique=True)
    email = models.EmailField(blank=True)
    country = models.CharField(max_length=100, blank=True)

    def __str__(self):
        return self.name


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Book(models.Model):
    isbn = models.CharField(max_length=13, unique=True)
    title = models.CharField(max_length=255)
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="books")
    categories = models.ManyToManyField(Category, blank=True, related_name="books")
    published = models.DateField()
    price = models.DecimalField(max_digits=8, decimal_places=2)
    pages = models.PositiveIntegerField()
    in_print = models.BooleanField(default=True)
    description = models.TextField(blank=True)
    rating = models.FloatField(null=True, blank=True)

    def __str__(self):
        return f"{self.title} ({self.isbn})"
