"""The Django admin's import views, served to the harness's test client from a site of its own.

The ``admin`` strategy imports through django-import-export's ``ImportMixin`` views and
templates, as a user clicking in the admin does. The views are the project's own: the
``ModelAdmin`` the project registered for the resource's model when it has ``ImportMixin``
(its forms, formats, permissions, templates and hooks), else django-import-export's
``ImportExportModelAdmin``. They are served from an :class:`~django.contrib.admin.AdminSite`
of the harness's (its URLs are this module's ``urlpatterns``, used through
``override_settings(ROOT_URLCONF=...)``), so that nothing of the project's URLs needs to be
known, and with two changes, which the measured code does not see: the one resource it
offers is the case's resource, and that resource keeps each step's ``Result`` for the
verification.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import clear_url_caches, path
from import_export.results import Result

#: Where the harness's site is served (this module is the client's ROOT_URLCONF).
urlpatterns: list = []
URLCONF = __name__
#: What ``check`` refuses without: the apps the admin's views and templates need.
NEEDED_APPS = ("django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
               "django.contrib.sessions", "django.contrib.messages")


#: What the import page shows a problem with: a form error (an unreadable file), the
#: import's errors, or its invalid rows (django-import-export's import.html).
PROBLEM_MARKERS = ('class="errorlist', "<h2>Errors</h2>", "import-error-li",
                   "validation-error-list")


def shows_problems(html: str) -> bool:
    return any(marker in html for marker in PROBLEM_MARKERS)


def offers_confirmation(html: str) -> bool:
    return 'name="import_file_name"' in html


def missing_apps() -> list[str]:
    from django.apps import apps

    return [name for name in NEEDED_APPS if not apps.is_installed(name)]


def project_admin_class(model):
    """The project's registered ``ModelAdmin`` class for ``model`` when it has ``ImportMixin``,
    else ``ImportExportModelAdmin``; and whether it is the project's."""
    from django.contrib import admin
    from import_export.admin import ImportExportModelAdmin, ImportMixin

    admin.autodiscover()  # the project's admin modules, where its settings did not load them
    registered = admin.site._registry.get(model)  # noqa: SLF001 - Django has no public getter before 5.0
    if isinstance(registered, ImportMixin):
        return type(registered), True
    return ImportExportModelAdmin, False


@dataclass
class Served:
    """The site serving one model's import views, and the results its resource kept."""

    import_url: str
    confirm_url: str
    changelist_url: str
    model_admin: object
    own: bool
    results: list[Result] = field(default_factory=list)


def serve(resource_class, tmp_storage_class: str | None = None) -> Served:
    """Serve the import views of ``resource_class``'s model with ``resource_class`` as their
    only resource (replacing what was served before), the uploaded file kept between the
    steps by ``tmp_storage_class`` (a dotted path) where given."""
    from django.contrib.admin import AdminSite

    global urlpatterns
    model = resource_class._meta.model
    base, own = project_admin_class(model)
    results: list[Result] = []

    def import_data(self, *args, **kwargs):
        result = super(keeping, self).import_data(*args, **kwargs)
        results.append(result)
        return result

    keeping = type(resource_class.__name__, (resource_class,),
                   {"import_data": import_data, "__module__": resource_class.__module__})
    attrs = {"get_import_resource_classes": lambda self, request: [keeping],
             "__module__": base.__module__}
    if tmp_storage_class:
        attrs["tmp_storage_class"] = tmp_storage_class
    measured = type(base.__name__, (base,), attrs)
    site = AdminSite(name="bench_admin")
    site.register(model, measured)
    urlpatterns = [path("bench-admin/", site.urls)]
    clear_url_caches()
    base_url = f"/bench-admin/{model._meta.app_label}/{model._meta.model_name}/"
    return Served(f"{base_url}import/", f"{base_url}process_import/", base_url,
                  site._registry[model], own, results)  # noqa: SLF001
