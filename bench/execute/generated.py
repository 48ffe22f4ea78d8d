"""Generated datasets of a matrix: a :class:`~bench.data.spec.DatasetSpec` made into a file
for one of the project's resources, the state it expects, and the job that imports it.

A project names the resources its matrix imports when no file of its own is given, with
an optional hints file (``[tool.django-import-bench.generated]``)::

    [tool.django-import-bench.generated]
    resources = { flat = "shop.resources.OrderResource", full = "shop.resources.FullOrderResource" }
    hints = "bench-hints.toml"

Each name is a *profile*; a spec names one (the first listed when it names none). The
resource generator (:mod:`bench.data.synth`) makes the file, the related rows its foreign
keys and many-to-many columns name, the rows an ``update`` or ``mixed`` file expects to
exist, and what every row is. The starting state is generic: the related rows are loaded
as a fixture, then the existing rows are imported once with ``sequential`` through the
same resource; nothing here knows a project's models.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from functools import cached_property, partial
from pathlib import Path

import tablib

from ..data.source import CsvSource, DatasetSource, RowSource
from ..data.spec import DatasetSpec
from ..data.synth import Synthesized, kind_counts
from ..strategies import Settings
from .config import GeneratedConfig
from .project import ProjectProblem, hooked, import_for_state, load_resource
from .runner import Job
from .states import StartingState

#: The generated-dataset configuration of the project, as JSON, for processes started by
#: the harness (the count pass, pytest-xdist workers).
GENERATED_ENV = "BENCH_GENERATED"


def generated_config() -> GeneratedConfig:
    """The project's generated-dataset configuration (set by :func:`use_generated`, else
    read from the nearest ``pyproject.toml``)."""
    from .config import load_config

    value = os.environ.get(GENERATED_ENV)
    if value:
        data = json.loads(value)
        return GeneratedConfig(data.get("resources", {}), data.get("hints"))
    config = load_config().generated
    if config is not None and config.resources:
        return config
    raise ProjectProblem(
        "this project configures no generated datasets ([tool.django-import-bench."
        "generated] resources); give a file with --resource and --file (or --generate "
        "ROWS), or configure cases")


def use_generated(config: GeneratedConfig | None) -> None:
    """Make ``config`` the generated-dataset configuration here and in processes started
    from here."""
    if config is None:
        os.environ.pop(GENERATED_ENV, None)
    else:
        os.environ[GENERATED_ENV] = json.dumps({"resources": config.resources,
                                                "hints": config.hints})


def profile_name(profile: str) -> str:
    """``profile``, or the first configured profile when it is empty; a
    :class:`ProjectProblem` naming the configured ones when it is not one of them."""
    resources = generated_config().resources
    if not profile:
        return next(iter(resources))
    if profile not in resources:
        raise ProjectProblem(f"no resource is configured for the {profile!r} profile; "
                             f"[tool.django-import-bench.generated] resources has "
                             f"{', '.join(resources)}")
    return profile


def resource_path(profile: str) -> str:
    return generated_config().resources[profile_name(profile)]


def resource_class_for(profile: str, strategy: str | None = None):
    """The project's resource for a profile (the first when empty), passed through the
    hook (``BENCH_RESOURCE_HOOK``) when a strategy is named."""
    resource_class = load_resource(resource_path(profile))
    return hooked(strategy, resource_class) if strategy else resource_class


class GeneratedData:
    """A generated file of a matrix with what it expects and what each row is.

    Made from the generator's cache, nothing is read until it is asked for: a streaming
    import reads the file a block at a time through :attr:`source`, and the per-row record
    (:attr:`expected`, as big as the file) is read only to verify.
    """

    def __init__(self, spec: DatasetSpec, resource: str, synth: Synthesized | None = None,
                 paths: dict[str, Path] | None = None):
        if synth is None and paths is None:
            raise ValueError("a generated dataset needs its data or the paths of its cache")
        #: The spec, its profile named.
        self.spec = spec
        #: Dotted path of the resource the file is made for.
        self.resource = resource
        self._synth = synth
        self.paths = paths

    @classmethod
    def of(cls, spec: DatasetSpec, resource: str, synth: Synthesized) -> GeneratedData:
        return cls(spec, resource, synth=synth)

    @cached_property
    def source(self) -> RowSource:
        """The file, as a source its jobs share (read whole at most once)."""
        if self._synth is not None:
            return DatasetSource(self._synth.dataset)
        return CsvSource(self.paths["data"])

    @property
    def dataset(self) -> tablib.Dataset:
        """The file, every value text as it would come from a CSV."""
        return self.source.dataset()

    @cached_property
    def existing(self) -> tablib.Dataset:
        """Rows that exist before the import (``update``, ``mixed``), the file's columns."""
        if self._synth is not None:
            return self._synth.existing
        return CsvSource(self.paths["existing"]).dataset()

    @cached_property
    def related(self) -> list[dict]:
        """Related rows created first, as fixture objects."""
        if self._synth is not None:
            return self._synth.related
        return json.loads(self.paths["related"].read_text())

    @cached_property
    def expected(self) -> dict[int, dict]:
        """What each row is (:attr:`bench.data.synth.Synthesized.expected`), by number."""
        if self._synth is not None:
            return self._synth.expected
        return {int(k): v for k, v in json.loads(self.paths["expected"].read_text()).items()}

    @property
    def row_kinds(self) -> dict[int, str]:
        """What each row is by number: ``new``, ``changed``, ``unchanged`` or the kind of
        error injected into it (``bad_date``, ``not_a_number``, ``unknown_related``,
        ``too_long``, ``duplicate_key``)."""
        return {n: entry["kind"] for n, entry in self.expected.items()}

    def kind_counts(self) -> dict[str, int]:
        return kind_counts(self.expected)


def synth_spec(spec: DatasetSpec):
    """The resource generator's spec for ``spec`` (its profile named)."""
    from ..data.synth import SynthError, SynthSpec, load_hints

    config = generated_config()
    try:
        hints = load_hints(Path(config.hints)) if config.hints else ()
    except SynthError as exc:
        raise ProjectProblem(f"[tool.django-import-bench.generated] {exc}") from None
    return SynthSpec(resource_path(spec.profile), spec.rows, spec.seed, spec.scenario,
                     spec.invalid_fraction, hints=hints)


def generate_data(spec: DatasetSpec, cache_dir: Path | None | bool = None) -> GeneratedData:
    """The file and state of ``spec``, from the generator's cache when there
    (``cache_dir=False``: not cached; ``None``: ``results/.cache/synth``)."""
    from ..data.synth import SynthError, synthesize, synthesized_paths

    spec = replace(spec, profile=profile_name(spec.profile))
    made = synth_spec(spec)
    try:
        if cache_dir is False:
            return GeneratedData.of(spec, made.resource,
                                    synthesize(made, load_resource(made.resource)))
        return GeneratedData(spec, made.resource, paths=synthesized_paths(
            made, cache_dir or None))
    except SynthError as exc:
        raise ProjectProblem(f"the {spec.profile!r} profile ({made.resource}): {exc}") \
            from None


def seed_generated(data: GeneratedData, using: str = "default") -> None:
    """Put the migrated, empty database in the state ``data`` expects: its related rows,
    then its existing rows imported once (:func:`~bench.execute.project.import_for_state`)."""
    load_objects(data.related, using)
    if len(data.existing):
        import_for_state(load_resource(data.resource), data.existing, using,
                         f"the existing rows of the generated {data.spec.scenario} file",
                         generated=True)


def load_objects(objects: list[dict], using: str = "default") -> None:
    """Fixture objects (``model``, ``pk``, ``fields``), read as ``loaddata`` reads them,
    written in bulk (one ``INSERT`` per model and batch: the generator's related rows have
    no many-to-many values, and saving them one by one is most of a small state's time),
    then the tables' id sequences moved past them."""
    if not objects:
        return
    from itertools import groupby

    from django.core import serializers
    from django.core.management.color import no_style
    from django.db import connections, transaction

    models = set()
    with transaction.atomic(using=using):
        found = serializers.deserialize("python", objects, using=using)
        for model, run in groupby(found, key=lambda obj: type(obj.object)):
            run = list(run)
            if any(obj.m2m_data for obj in run):
                for obj in run:
                    obj.save(using=using)
            else:
                model.objects.using(using).bulk_create([obj.object for obj in run],
                                                       batch_size=500)
            models.add(model)
        connection = connections[using]
        statements = connection.ops.sequence_reset_sql(no_style(), sorted(
            models, key=lambda m: m._meta.label))
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


def starting_state(data: GeneratedData) -> StartingState:
    """The database state a generated dataset expects."""
    spec = data.spec
    return StartingState(key=("generated", spec, data.resource),
                         seed=partial(seed_generated, data),
                         label=f"{spec.profile} {spec.scenario} {spec.rows:,} rows")


def job_for(strategy: str, data: GeneratedData, settings: Settings = Settings(),
            resource_class=None, dataset=None) -> Job:
    """A job importing a generated dataset (or ``dataset``, from the generated dataset's
    starting state) with the resource of its profile (or ``resource_class``); the
    generated file's rows are checked against what each was made to be."""
    if resource_class is None:
        resource_class = resource_class_for(data.spec.profile, strategy)
    same_file = dataset is None
    return Job(strategy, resource_class, data.source if same_file else dataset,
               starting_state(data), settings,
               data_key=(data.spec, data.resource, resource_class) if same_file else None,
               expected=partial(getattr, data, "expected") if same_file else None)
