"""A project's configuration: its settings module and its cases, from ``pyproject.toml``
(``[tool.django-import-bench]``) and the command line.

.. code-block:: toml

    [tool.django-import-bench]
    settings = "mysite.settings"          # the Django settings module

    [[tool.django-import-bench.cases]]
    name = "products"                      # names the case in ids and reports (default: file)
    resource = "catalog.resources.ProductResource"
    file = "exports/products.csv"          # relative to the folder of pyproject.toml
    fixtures = ["suppliers"]               # loaddata before anything (names or paths)
    state = "exports/products-state.csv"   # imported once (sequential) before timing
    scenarios = ["create", "update"]       # create: from fixtures + state;
                                           # update: that, plus the file imported once

    [tool.django-import-bench.generated]   # the matrix's files when none is given: made
    resources = { flat = "app.resources.FlatResource", full = "app.resources.FullResource" }
    hints = "bench-hints.toml"             # by the generator for a resource (a profile)

Every option of a case is documented on :class:`FileCase`.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

SECTION = "django-import-bench"
#: What a case from a file can start from (generated datasets have ``mixed`` and
#: ``errors`` too: the generator makes those files).
FILE_SCENARIOS = ("create", "update")
#: What a file made by the generator for a resource can be.
GENERATED_SCENARIOS = ("create", "update", "mixed", "errors")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file and the option."""


@dataclass(frozen=True)
class FileCase:
    """A user's file imported through a user's resource."""

    #: Dotted path of the ``ModelResource`` subclass: ``package.module.ClassName``.
    resource: str
    #: The file (CSV, XLSX or JSON), absolute or relative to the project folder.
    file: str
    #: The case's name in case ids, reports and the gate (default: the file's stem).
    name: str = ""
    #: Fixtures loaded (``loaddata``) into the migrated database first.
    fixtures: tuple[str, ...] = ()
    #: A file imported once with ``sequential`` after the fixtures, before timing: the
    #: rows an update needs to exist.
    state: str | None = None
    #: ``create``: the import starts from fixtures + state; ``update``: from that state with
    #: the file itself imported once, so that every row it holds exists.
    scenarios: tuple[str, ...] = ("create",)
    #: The file's format when its name does not say (csv, xlsx, json).
    format: str | None = None
    #: Made by the generator (``--generate``) for its scenario: every scenario (``create``,
    #: ``update``, ``mixed``, ``errors``) starts from the fixtures and the state file the
    #: generator wrote with it; ``update`` does not import the file first.
    generated: bool = False
    #: A JSON file of what each row is (``generate`` writes it beside the file): every
    #: case's result must report exactly the injected invalid and error rows it names.
    expected: str | None = None

    def __post_init__(self):
        if not self.name:
            object.__setattr__(self, "name", Path(self.file).stem)
        allowed = GENERATED_SCENARIOS if self.generated else FILE_SCENARIOS
        unknown = [s for s in self.scenarios if s not in allowed]
        if unknown:
            raise ConfigError(
                f"case {self.name!r}: scenario(s) {', '.join(unknown)} need a generated "
                f"file; a file of your own runs {', '.join(FILE_SCENARIOS)}")
        object.__setattr__(self, "fixtures", tuple(self.fixtures))
        object.__setattr__(self, "scenarios", tuple(self.scenarios))

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> FileCase:
        known = {"resource", "file", "name", "fixtures", "state", "scenarios", "format",
                 "generated", "expected"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown case option(s) {', '.join(unknown)}; known: "
                              f"{', '.join(sorted(known))}")
        missing = [k for k in ("resource", "file") if not data.get(k)]
        if missing:
            raise ConfigError(f"a case needs {' and '.join(missing)}")
        return cls(**data)


def file_case_of(entry: dict) -> FileCase:
    """The case of a ``MatrixOptions.files`` entry (which also holds the file's row count
    and, for a generated file, what generated it)."""
    return FileCase.from_json({k: v for k, v in entry.items()
                               if k not in ("rows", "generate")})


@dataclass(frozen=True)
class GeneratedConfig:
    """The resources the matrix generates files for when no file is given (by profile
    name, first the default), and where realism needs it a hints file
    (:func:`bench.data.synth.load_hints`)."""

    #: ``{profile: "package.module.Resource"}``, in the order listed.
    resources: dict = field(default_factory=dict)
    #: Path of a TOML file with a ``[hints]`` table (absolute once loaded), or ``None``.
    hints: str | None = None


@dataclass
class ProjectConfig:
    """What ``pyproject.toml`` says, with the folder it is in (where relative paths start,
    and which is put on the import path)."""

    root: Path
    settings: str | None = None
    cases: list[FileCase] = field(default_factory=list)
    generated: GeneratedConfig | None = None
    #: The file the configuration came from (``None``: none found).
    source: Path | None = None


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` from ``start`` upwards that has our section."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError):
                continue
            if SECTION in data.get("tool", {}):
                return candidate
    return None


def load_config(path: Path | None = None, start: Path | None = None) -> ProjectConfig:
    """The configuration in ``path``, or the nearest one from ``start`` (the working
    folder); an empty one rooted at ``start`` when there is none."""
    start = (start or Path.cwd()).resolve()
    if path is None:
        path = find_pyproject(start)
        if path is None:
            return ProjectConfig(root=start)
    path = Path(path).resolve()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    section = data.get("tool", {}).get(SECTION)
    if section is None:
        raise ConfigError(f"{path} has no [tool.{SECTION}] section")
    known = {"settings", "cases", "generated"}
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown option(s) {', '.join(unknown)} in "
                          f"[tool.{SECTION}]; known: {', '.join(sorted(known))}")
    try:
        cases = [FileCase.from_json(dict(c)) for c in section.get("cases", [])]
    except (ConfigError, TypeError) as exc:
        raise ConfigError(f"{path}: [[tool.{SECTION}.cases]]: {exc}") from None
    names = [c.name for c in cases]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f"{path}: case name(s) {', '.join(repeated)} used twice; give "
                          "each case a name")
    generated = section.get("generated")
    if generated is not None:
        generated = _generated(generated, path)
    return ProjectConfig(root=path.parent, settings=section.get("settings"), cases=cases,
                         generated=generated, source=path)


def _generated(table: dict, path: Path) -> GeneratedConfig:
    where = f"{path}: [tool.{SECTION}.generated]"
    unknown = sorted(set(table) - {"resources", "hints"})
    if unknown:
        raise ConfigError(f"{where}: unknown option(s) {', '.join(unknown)}; known: hints, "
                          "resources")
    resources = table.get("resources", {})
    if not isinstance(resources, dict) or not resources or not all(
            isinstance(v, str) and v for v in resources.values()):
        raise ConfigError(f"{where}: resources must name at least one resource: "
                          '{ name = "package.module.Resource" }')
    hints = table.get("hints")
    if hints is not None:
        hints = Path(str(hints))
        hints = str(hints if hints.is_absolute() else path.parent / hints)
    return GeneratedConfig(dict(resources), hints)
