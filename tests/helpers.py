"""What several test modules share."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench_cli(*args, tmp_path, check=True, extra_env=None):
    """Run ``python -m bench ARGS`` in a subprocess, as a user would, from the checkout."""
    env = {**os.environ, "BENCH_RESULTS_DIR": str(tmp_path / "results"), **(extra_env or {})}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if check:
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done
