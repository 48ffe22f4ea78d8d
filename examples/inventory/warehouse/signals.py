from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import AuditEntry, SupplierProfile


@receiver(post_save, sender=SupplierProfile, dispatch_uid="warehouse_audit_supplier_profile")
def audit_supplier_profile(sender, instance, created, raw=False, **kwargs):
    if raw:  # loaddata
        return
    AuditEntry.objects.create(
        model="SupplierProfile",
        key=instance.supplier.code,
        action="created" if created else "updated",
    )
