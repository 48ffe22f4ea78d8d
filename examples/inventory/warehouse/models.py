import re
import secrets
import string

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

TOKEN_ALPHABET = string.ascii_letters + string.digits
DISCONTINUED = re.compile(r"\bDISCONTINUED\b", re.IGNORECASE)


def generate_token():
    """A random 12-character token, the default of ``Product.token``."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(12))


class SupplierManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Supplier(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2)

    objects = SupplierManager()

    def __str__(self):
        return f"{self.code} {self.name}"

    def natural_key(self):
        return (self.code,)


class Product(models.Model):
    sku = models.CharField(max_length=32)
    region = models.CharField(max_length=8)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=120)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    stocked_on = models.DateField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    token = models.CharField(max_length=12, default=generate_token)

    class Meta:
        unique_together = [("sku", "region")]

    def __str__(self):
        return f"{self.sku}/{self.region}"

    def clean(self):
        errors = {}
        if self.price is not None and self.price <= 0:
            errors["price"] = "price must be positive"
        if self.name and DISCONTINUED.search(self.name):
            errors["name"] = "discontinued products cannot be imported"
        if errors:
            raise ValidationError(errors)


class SupplierProfile(models.Model):
    supplier = models.OneToOneField(Supplier, on_delete=models.CASCADE, related_name="profile")
    rating = models.IntegerField()
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"profile of {self.supplier_id}"


class AuditEntry(models.Model):
    model = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    action = models.CharField(max_length=10)  # "created" or "updated"

    def __str__(self):
        return f"{self.model} {self.key} {self.action}"
