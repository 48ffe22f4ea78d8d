"""The layers of ``bench`` hold (the import-linter contracts in ``pyproject.toml``), and the
contract is not vacuous: a lower layer importing a higher one breaks it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import ROOT

#: the import layering and the README's layout
pytestmark = pytest.mark.any_database

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-logo", "--no-cache"], cwd=folder,
                          env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True)


def test_the_layers_hold():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 2 kept, 0 broken." in done.stdout


def test_a_lower_layer_importing_a_higher_one_breaks_the_contract(tmp_path):
    shutil.copytree(ROOT / "bench", tmp_path / "bench",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with open(tmp_path / "bench" / "data" / "seed.py", "a") as module:
        module.write("\nfrom bench.results.summary import Summary  # noqa: E402,F401\n")
    done = _lint(tmp_path)
    assert done.returncode != 0
    assert "bench.data is not allowed to import bench.results" in done.stdout


def test_the_readme_layout_names_every_package_and_module_that_exists():
    import re

    readme = (ROOT / "README.md").read_text()
    layout = readme[readme.index("## Layout"):]
    packages = {p.parent.relative_to(ROOT).as_posix() + "/"
                for p in (ROOT / "bench").glob("*/__init__.py")}
    listed = set(re.findall(r"^\| `(bench/[a-z_]+/)` \|", layout, flags=re.M))
    assert listed == packages
    for row in re.findall(r"^\| `(bench/[a-z_]+/)` \| (.*) \|$", layout, flags=re.M):
        folder, text = row
        for name in re.findall(r"`([a-z_]+\.py|[a-z_]+/)`", text):
            assert (ROOT / folder / name).exists(), f"{folder}{name} is in the README only"
