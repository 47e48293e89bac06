"""The code base stays lint- and type-clean: ruff and mypy run as part of the suite (and so in CI),
with the configuration in pyproject.toml."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv's bin dir, where the `test` extra puts both tools


def run(tool: str, *args: str) -> tuple[int, str]:
    """Run ``tool`` from the venv at the repository root (where its config and caches are); its
    exit status and everything it printed."""
    out = subprocess.run(
        [str(BIN / tool), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return out.returncode, out.stdout + out.stderr


def test_ruff_finds_nothing():
    status, output = run("ruff", "check", "--no-fix", "api", "grid", "tests", "bench")
    assert status == 0, output


def test_mypy_finds_nothing():
    status, output = run("mypy", "grid", "api")
    assert status == 0, output
