"""Models unlike the sample app's, one of every field type the generator reads, for the
property test of generated files (``tests/test_synth.py``)."""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Maker(models.Model):
    name = models.CharField(max_length=80, unique=True)
    country = models.CharField(max_length=2)
    founded = models.DateField()


class Tag(models.Model):
    label = models.SlugField(max_length=40, unique=True)


class Gadget(models.Model):
    SIZES = [("s", "small"), ("m", "medium"), ("l", "large")]

    code = models.CharField(max_length=12, unique=True)
    size = models.CharField(max_length=1, choices=SIZES)
    level = models.IntegerField(validators=[MinValueValidator(-5), MaxValueValidator(5)])
    stock = models.PositiveSmallIntegerField()
    price = models.DecimalField(max_digits=5, decimal_places=2,
                                validators=[MinValueValidator(0.5)])
    weight = models.FloatField(null=True, blank=True)
    fragile = models.BooleanField(default=False)
    released = models.DateField()
    checked_at = models.DateTimeField()
    opens = models.TimeField()
    warranty = models.DurationField()
    serial = models.UUIDField(default=uuid.uuid4)
    support_email = models.EmailField()
    homepage = models.URLField()
    slug = models.SlugField()
    address = models.GenericIPAddressField()
    notes = models.TextField(blank=True)
    maker = models.ForeignKey(Maker, on_delete=models.PROTECT)
    tags = models.ManyToManyField(Tag, blank=True)


class Slot(models.Model):
    """A composite key (``unique_together``) and a second unique group (a constraint)."""

    shelf = models.PositiveIntegerField()
    position = models.PositiveIntegerField()
    label = models.CharField(max_length=30)
    lane = models.CharField(max_length=3)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)

    class Meta:
        unique_together = [("shelf", "position")]
        constraints = [models.UniqueConstraint(fields=["label", "lane"], name="label_lane")]


class Manual(models.Model):
    """Keyed by a one-to-one field."""

    maker = models.OneToOneField(Maker, on_delete=models.CASCADE)
    pages = models.IntegerField()
    language = models.CharField(max_length=5, choices=[("en", "English"), ("fr", "French")])


class Node(models.Model):
    """A foreign key to its own model: the related rows are rows of the same table."""

    code = models.CharField(max_length=20, unique=True)
    parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE)
