"""``admin``: the import people click: the Django admin's upload and preview, then confirm.

Most teams import through the admin (django-import-export's ``ImportMixin``): the file is
uploaded and imported once as a dry run to render the preview, kept in temporary storage,
and imported again when the user confirms. ``admin`` does exactly that through Django's test
client, against the real views and templates (the project's registered ``ModelAdmin`` for
the model, when it has ``ImportMixin``: :mod:`bench.strategies.admin_site`), as a logged-in
staff user with CSRF checks on. Each step is a chunk fact of its own (step 1, the preview;
step 2, the confirmation), with its time, its statements and the bytes of HTML it sent back.
With ``skip_admin_confirm`` (``IMPORT_EXPORT_SKIP_ADMIN_CONFIRM``) there is one step.

The staff user, its session and the admin's log entries are written outside the compared
tables (the verification compares the model's tables and those ``sequential`` changes).
When the preview shows an error or an invalid row, the admin offers no confirmation and
imports nothing. ``sequential`` does the same with an error row (its transaction rolls the
file back), but keeps the valid rows beside invalid ones: such a case does not verify, and
says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import register
from ..bases import INNER, inner_strategy, with_inner_knobs
from ..contract import ChunkFact, Outcome, Refused, Strategy, now, where
from ..resources import derive
from ..settings import Knob, Settings

SKIP_CONFIRM = Knob(
    "skip_admin_confirm", "IMPORT_EXPORT_SKIP_ADMIN_CONFIRM: import at the upload, in one "
    "step, without the preview", tag="one", sweep=(False, True), default=False,
    shown_at_default=False)
SKIP_DIFF = Knob(
    "skip_diff", "the admin's resource with Meta.skip_diff: no diff of each row, so the "
    "preview shows none", tag="sd", sweep=(False, True), default=False, shown_at_default=False)
SKIP_HTML_DIFF = Knob(
    "skip_html_diff", "the admin's resource with Meta.skip_html_diff: the diff is kept but "
    "not rendered as HTML", tag="shd", sweep=(False, True), default=False,
    shown_at_default=False)
TMP_STORAGES = ("TempFolderStorage", "CacheStorage", "MediaStorage")
TMP_STORAGE = Knob(
    "tmp_storage", "where the uploaded file waits between the preview and the confirmation "
    "(django-import-export's tmp_storages)", tag="ts", sweep=TMP_STORAGES,
    default="TempFolderStorage", shown_at_default=False, choices=lambda: TMP_STORAGES)
STAFF_USER = "django-import-bench"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def media_root() -> str:
    """Where ``MediaStorage`` keeps uploads during a run: a folder of the harness's."""
    import atexit
    import shutil
    import tempfile

    global _media_root
    if _media_root is None:
        _media_root = tempfile.mkdtemp(prefix="django-import-bench-media-")
        atexit.register(shutil.rmtree, _media_root, True)
    return _media_root


_media_root: str | None = None


def serving(**more):
    """The settings the harness's admin site is served with (its URLs, a media folder of
    the harness's), and ``more``."""
    from django.test import override_settings

    from ..admin_site import URLCONF

    return override_settings(ROOT_URLCONF=URLCONF, MEDIA_ROOT=media_root(), **more)


@dataclass
class LoggedIn:
    client: object
    served: object
    token: str


@register
class Admin(Strategy):
    name = "admin"
    summary = ("through the Django admin's import views: upload and preview, then confirm "
               "(a staff user, CSRF on, the project's ImportMixin admin)")
    knobs = (SKIP_CONFIRM, INNER, SKIP_DIFF, SKIP_HTML_DIFF, TMP_STORAGE)
    supports_dry_run = False
    in_default_matrix = False
    rank = 10

    def check(self, resource_class, dataset, settings: Settings) -> None:
        from ..admin_site import missing_apps

        super().check(resource_class, dataset, settings)  # no dry run: the preview is one
        inner_strategy(self.name, settings, part="the admin").check(
            resource_class, dataset, settings)
        if TMP_STORAGE.of(settings) not in TMP_STORAGES:
            raise Refused(f"tmp_storage is one of {', '.join(TMP_STORAGES)}")
        missing = missing_apps()
        if missing:
            raise Refused(f"admin needs the Django admin in INSTALLED_APPS: add "
                          f"{', '.join(missing)} (and their middleware and templates)")

    def keeps_nothing_when_a_row_fails(self, settings: Settings) -> bool:
        """The preview (a dry run) shows any failing row and offers no confirmation. In one
        step the admin imports with ``rollback_on_validation_errors``, which only a
        transaction can honour: without one, the rows before and after stay."""
        return not SKIP_CONFIRM.of(settings) or settings.use_transactions is not False

    def knobs_given(self, settings: Settings):
        return with_inner_knobs(self, settings, part="the admin")

    def admin_resource(self, resource_class, dataset, settings: Settings, using: str):
        """The resource the admin imports with: the inner strategy's (``tuned``'s options,
        ``bulk``'s), with the diff and transaction options asked for."""
        inner = inner_strategy(self.name, settings, part="the admin")
        derived = inner.resource_class_for(resource_class, dataset, settings, using)
        options = {name: True for name in ("skip_diff", "skip_html_diff")
                   if settings.value(name, False)}
        if settings.use_transactions is not None:  # the admin's views pass none of their own
            options["use_transactions"] = settings.use_transactions
        return derive(derived, "Admin", options) if options else derived

    def prepare(self, resource_class, dataset, settings: Settings, using: str = "default"):
        """Untimed: a staff user logged in on a test client with CSRF checks on, the import
        page fetched once (its form sets the CSRF cookie)."""
        from django.contrib.auth import get_user_model
        from django.contrib.contenttypes.models import ContentType
        from django.test import Client

        from ..admin_site import serve

        # the starting state was put back: content types may have other ids than the ones
        # this process cached (the admin's log entries name one)
        ContentType.objects.clear_cache()
        user_model = get_user_model()
        user = user_model._default_manager.db_manager(using).filter(
            **{user_model.USERNAME_FIELD: STAFF_USER}).first()
        if user is None:
            user = user_model._default_manager.db_manager(using).create_superuser(
                **{user_model.USERNAME_FIELD: STAFF_USER}, email="", password=None)
        served = serve(self.admin_resource(resource_class, dataset, settings, using),
                       f"import_export.tmp_storages.{TMP_STORAGE.of(settings)}")
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        with serving():
            page = client.get(served.import_url)
        if page.status_code != 200:
            raise Refused(f"admin: the import page answered {page.status_code}")
        return LoggedIn(client, served, client.cookies["csrftoken"].value)

    def run(self, resource_class, dataset, settings: Settings, prepared=None,
            using: str = "default") -> Outcome:
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.check(resource_class, dataset, settings)
        logged = prepared or self.prepare(resource_class, dataset, settings, using)
        served, client = logged.served, logged.client
        one_step = bool(SKIP_CONFIRM.of(settings))
        upload = SimpleUploadedFile("import.csv", dataset.export("csv").encode())
        facts = []
        with serving(IMPORT_EXPORT_SKIP_ADMIN_CONFIRM=one_step):
            page, fact = self._step(client, served.import_url, 0, len(dataset),
                                    self._form(logged, upload))
            facts.append(fact)
            # the page the user reads (the preview, or the errors): for the browser pass
            pages = {"preview": page.content} if page.status_code == 200 else {}
            confirm = dict(_HIDDEN.findall(page.content.decode()))
            if not one_step and "import_file_name" in confirm:
                confirm["csrfmiddlewaretoken"] = logged.token
                page, fact = self._step(client, served.confirm_url, 1, len(dataset), confirm)
                facts.append(fact)
        # to the change list: the import is done (a login page would be a lost session)
        imported = page.status_code == 302 and page["Location"] == served.changelist_url
        result = served.results[-1]
        facts[-1].committed = imported
        facts[-1].totals = dict(result.totals)
        notes = [] if imported else [
            "the admin's preview showed errors and offered no confirmation: nothing was "
            "imported (sequential keeps the valid rows of a file whose only problems are "
            "invalid rows)"]
        return Outcome(self.name, settings, result, facts, known_differences=notes,
                       pages=pages)

    @staticmethod
    def _form(logged: LoggedIn, upload) -> dict:
        """The import form's fields, the file as CSV."""
        formats = logged.served.model_admin.get_import_formats()
        csv = next(i for i, f in enumerate(formats) if f().get_title().lower() == "csv")
        return {"csrfmiddlewaretoken": logged.token, "resource": "0", "format": str(csv),
                "import_file": upload}

    def upload(self, logged: LoggedIn, payload: bytes, name: str = "import.csv"):
        """Step 1 with a file's bytes as they are (a bad file, as a user would upload it):
        the page the admin answers with."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        with serving():
            return logged.client.post(logged.served.import_url,
                                      self._form(logged, SimpleUploadedFile(name, payload)))

    @staticmethod
    def _step(client, url: str, index: int, rows: int, data: dict):
        from ...probes import memory, sql

        thread_id, pid = where()
        # the kernel's one peak is the round's: read, never reset (see ChunkFact)
        size, peak = memory.current_bytes(), memory.peak_bytes()
        start = now()
        with sql.counted() as sent:
            page = client.post(url, data)
        end = now()
        after = memory.peak_bytes()
        rise = after - size if None not in (size, peak, after) else None
        if page.status_code not in (200, 302):
            raise RuntimeError(f"admin: {url} answered {page.status_code}")
        return page, ChunkFact(
            index=index, first_row=1, rows=rows, thread_id=thread_id, pid=pid, start=start,
            end=end, committed=False, queries=sent.statements, db_s=sent.db_s,
            lock_s=sent.lock_s, response_bytes=len(page.content), rss_rise_bytes=rise,
            rss_rise_bound=rise is not None and after <= peak)
