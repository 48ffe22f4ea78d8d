"""The project under test: its resources, its files and the starting states they need.

Every case reaches a project through here, the sample app included (its
``[tool.django-import-bench]`` in the repository's ``pyproject.toml`` is read like any
other). A case imports either

- a user's file through a user's resource (:class:`~bench.execute.config.FileCase`),
  starting from the migrated database with fixtures, a state file and, for ``update``, the
  file itself imported once; or
- a generated dataset, through the resource the project configures for its profile
  (:mod:`bench.execute.generated`).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Hashable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import tablib

from ..strategies import Settings
from .config import FileCase, ProjectConfig
from .runner import Job
from .states import StartingState

#: ``module:function`` of an optional hook, ``function(strategy_name, resource_class)``, that
#: returns the resource class a benchmark case imports with. For experiments with a resource
#: change, and for the regression gate's own tests, which inject an extra query or a sleep
#: into one strategy (``tests/injected.py``).
RESOURCE_HOOK_ENV = "BENCH_RESOURCE_HOOK"


class ProjectProblem(Exception):
    """A resource, file, fixture or state of the project cannot be used; the message says
    which and why."""


def import_object(path: str, what: str):
    """``package.module.Name`` or ``package.module:name``."""
    module, sep, name = path.partition(":")
    if not sep:
        module, _, name = path.rpartition(".")
    if not module or not name:
        raise ProjectProblem(f"{what} {path!r} is not a dotted path (package.module.Name)")
    try:
        found = importlib.import_module(module)
    except ImportError as exc:
        raise ProjectProblem(f"{what} {path!r}: module {module!r} cannot be imported: "
                             f"{exc}") from None
    except Exception as exc:  # noqa: BLE001 - the user's module failed while importing
        raise ProjectProblem(f"{what} {path!r}: importing {module!r} failed: "
                             f"{type(exc).__name__}: {exc}") from None
    try:
        return getattr(found, name)
    except AttributeError:
        raise ProjectProblem(f"{what} {path!r}: {module!r} has no {name!r}") from None


def load_resource(path: str):
    """The ``ModelResource`` subclass at ``path``."""
    return checked_resource(import_object(path, "resource"), path)


def checked_resource(resource_class, path: str):
    """``resource_class`` if it is a ``ModelResource`` subclass with a model."""
    from import_export.resources import ModelResource

    if not (isinstance(resource_class, type) and issubclass(resource_class, ModelResource)):
        raise ProjectProblem(f"resource {path!r} is {type(resource_class).__name__} "
                             f"{resource_class!r}, not a ModelResource subclass")
    if getattr(resource_class._meta, "model", None) is None:
        raise ProjectProblem(f"resource {path!r} names no model (Meta.model)")
    return resource_class


def hooked(strategy: str, resource_class):
    """``resource_class`` passed through ``BENCH_RESOURCE_HOOK``, if set."""
    hook = os.environ.get(RESOURCE_HOOK_ENV)
    if not hook:
        return resource_class
    module, _, name = hook.partition(":")
    return getattr(importlib.import_module(module), name)(strategy, resource_class)


# -- a user's files -----------------------------------------------------------------------


@dataclass
class FileData:
    """A user's file, loaded, with its resource."""

    case: FileCase
    dataset: tablib.Dataset
    resource_class: type
    #: Columns of the file the resource does not import.
    ignored: list[str]
    #: What each row is, by number (``FileCase.expected``), or ``None``.
    expected: dict[int, dict] | None = None


def load_file_case(case: FileCase, root: Path, resource_class=None) -> FileData:
    """The file and resource of ``case`` (``resource_class``, when given, instead of the
    class ``case.resource`` names); :class:`ProjectProblem` when either is wrong."""
    from ..data.files import InputError, check_columns, load

    if resource_class is None:
        resource_class = load_resource(case.resource)
    else:
        checked_resource(resource_class, case.resource)
    path = _under(root, case.file)
    try:
        dataset = load(path, case.format)
        ignored = check_columns(dataset, resource_class, path)
    except InputError as exc:
        raise ProjectProblem(str(exc)) from None
    expected = None
    if case.expected:
        import json

        where = _under(root, case.expected)
        try:
            expected = {int(k): v for k, v in json.loads(where.read_text()).items()}
        except (OSError, ValueError, AttributeError) as exc:
            raise ProjectProblem(f"case {case.name!r}: expected {where}: {exc}") from None
    return FileData(case, dataset, resource_class, ignored, expected)


def _under(root: Path, name: str) -> Path:
    path = Path(name)
    return path if path.is_absolute() else root / path


def file_state(data: FileData, scenario: str, root: Path) -> StartingState:
    """The state a file case starts from in ``scenario`` (see :class:`FileCase`)."""
    case = data.case
    key: Hashable = ("file", case.name, case.resource, case.fixtures, case.state, scenario)
    return StartingState(key=key, seed=partial(_seed_file_state, data, scenario, root),
                         label=f"{case.name} {scenario}")


def _seed_file_state(data: FileData, scenario: str, root: Path, using: str) -> None:
    from django.core.management import call_command

    case = data.case
    if case.fixtures:
        # a fixture is a file of the project, or a name loaddata looks up
        names = [str(_under(root, f)) if _under(root, f).is_file() else f
                 for f in case.fixtures]
        try:
            call_command("loaddata", *names, database=using, verbosity=0)
        except Exception as exc:  # noqa: BLE001 - a fixture that is missing or fails
            raise ProjectProblem(f"case {case.name!r}: loaddata {' '.join(case.fixtures)} "
                                 f"failed: {type(exc).__name__}: {exc}") from None
    if case.state:
        from ..data.files import InputError, load

        path = _under(root, case.state)
        try:
            state = load(path)
        except InputError as exc:
            raise ProjectProblem(f"case {case.name!r}: state file: {exc}") from None
        import_for_state(data.resource_class, state, using, f"state file {path}",
                         generated=case.generated)
    if scenario == "update" and not case.generated:
        import_for_state(data.resource_class, data.dataset, using,
                          f"{case.file}, imported once for the update scenario")


def import_for_state(resource_class, dataset, using: str, what: str,
                     generated: bool = False) -> None:
    """Import ``dataset`` into the state being made, with ``sequential``; a ``generated``
    file's existing rows (clean by construction) with ``tuned`` where it takes the resource
    and the file, as it is many times faster. Either way every case of a generated file
    checks that the rows it was made to create are new and the others existing
    (:mod:`bench.verify.expected`), so a state that is not what the file expects fails."""
    from ..strategies import get
    from ..strategies.contract import Refused

    # a strategy refuses in its check, which run() makes before it writes anything, so a
    # refused tuned leaves the state as it was for sequential
    for name in ("tuned", "sequential") if generated else ("sequential",):
        try:
            outcome = get(name).run(resource_class, dataset, Settings(), using=using)
            break
        except Refused as exc:
            if name == "sequential":
                raise ProjectProblem(f"{what}: {exc}") from None
    result = outcome.result
    if result.has_errors():
        first = result.row_errors()[0] if result.row_errors() else None
        where = f"row {first[0]}: {first[1][0].error}" if first else \
            str(result.base_errors[0].error)
        raise ProjectProblem(f"{what} did not import ({where}); the starting state needs it "
                             "to import without errors")


def fixture_files(names, root: Path) -> tuple[str, ...]:
    """The files of fixtures given by path (relative to ``root``) or by the name
    ``loaddata`` looks up."""
    from django.core import serializers
    from django.core.management.base import CommandError
    from django.core.management.commands.loaddata import Command

    finder = Command()
    finder.using, finder.app_label, finder.verbosity = "default", None, 0
    finder.serialization_formats = serializers.get_public_serializer_formats()
    files = []
    for name in names:
        path = _under(root, name)
        if path.is_file():
            files.append(str(path.resolve()))
            continue
        try:
            files += [str(Path(f).resolve()) for f, _, _ in finder.find_fixtures(name)]
        except CommandError as exc:
            raise ProjectProblem(f"fixture {name!r}: {exc}") from None
    return tuple(sorted(files))


def generated_file(generate: dict, root: Path = Path(".")) -> dict:
    """The file case (as JSON) of a file the generator makes for a resource:
    ``generate`` holds ``resource``, ``rows``, ``seed``, ``scenario``, the user's
    ``fixtures``, which load before the generator's own (its related rows) and whose rows
    its foreign keys use where they hold the related model's, and the path of a ``hints``
    file or ``None``."""
    from ..data.synth import SynthError, SynthSpec, load_hints, synthesized

    resource_class = load_resource(generate["resource"])
    try:
        hints = load_hints(Path(generate["hints"])) if generate.get("hints") else ()
        spec = SynthSpec(generate["resource"], int(generate["rows"]), int(generate["seed"]),
                         generate["scenario"], hints=hints,
                         fixtures=fixture_files(generate.get("fixtures", ()), root))
        data, paths = synthesized(spec)
    except SynthError as exc:
        raise ProjectProblem(f"--generate for {generate['resource']}: {exc}") from None
    case = FileCase(
        resource=generate["resource"], file=str(paths["data"]),
        name=resource_class._meta.model._meta.model_name,
        fixtures=(*generate.get("fixtures", ()), str(paths["related"])),
        state=str(paths["existing"]) if len(data.existing) else None,
        scenarios=(spec.scenario,), format="csv", generated=True,
        expected=str(paths["expected"]))
    return case.to_json()


def file_job(strategy: str, data: FileData, scenario: str, root: Path,
             settings: Settings = Settings()) -> Job:
    """A job importing a user's file from its scenario's state."""
    resource_class = hooked(strategy, data.resource_class)
    return Job(strategy, resource_class, data.dataset, file_state(data, scenario, root),
               settings, data_key=("file", data.case, scenario, resource_class),
               expected=data.expected)


def activate(config: ProjectConfig, settings: str | None = None) -> str:
    """Make the project's modules importable and its settings the ones Django starts with,
    here and in every process started from here; the settings module's name."""
    from ..db.django_setup import ProjectError, add_project_path

    add_project_path(config.root)
    name = settings or config.settings or os.environ.get("DJANGO_SETTINGS_MODULE")
    if not name:
        raise ProjectError(
            "no Django settings module: pass --settings MODULE, or set settings in "
            "[tool.django-import-bench] of your pyproject.toml")
    os.environ["DJANGO_SETTINGS_MODULE"] = name
    from .generated import use_generated

    use_generated(config.generated)
    return name


# -- the cases of a matrix ----------------------------------------------------------------


def data_for_case(case, root: str | Path | None):
    """What a matrix case imports: a user's file (:class:`FileData`) or a generated
    dataset."""
    if case.source is not None:
        return load_file_case(case.source, Path(root or "."))
    from .generated import generate_data

    return generate_data(case.spec)


def job_for_case(case, data, root: str | Path | None) -> Job:
    if case.source is not None:
        return file_job(case.strategy, data, case.scenario, Path(root or "."), case.settings)
    from .generated import job_for

    return job_for(case.strategy, data, case.settings)
