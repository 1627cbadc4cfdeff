"""Makefile: each target installs what it needs and no more (read with ``make -n``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def planned(target: str, tmp_path: Path) -> str:
    """The commands ``make TARGET`` would run from scratch (nothing is run)."""
    # run by `make test`, this make is a sub-make: without the parent's MAKELEVEL and
    # MAKEFLAGS it prints no "Entering directory" lines around the plan
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", f"VENV={tmp_path / 'venv'}", target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_play_installs_the_runtime_only_and_no_tshark(tmp_path: Path) -> None:
    plan = planned("play", tmp_path)
    assert "-m venv" in plan and "pip install -q -e .\n" in plan
    assert "[test]" not in plan
    assert "apt-get" not in plan and "tshark" not in plan and "sudo" not in plan.lower()
    assert plan.rstrip().endswith("bin/grapevine play")


@pytest.mark.parametrize("target", ["test", "bench"])
def test_test_and_bench_install_the_test_extras_and_tshark(target: str, tmp_path: Path) -> None:
    plan = planned(target, tmp_path)
    assert "-m venv" in plan
    assert "pip install -q -e '.[test]'" in plan
    assert "apt-get install" in plan and "tshark" in plan


def test_debian_packages_install_non_interactively() -> None:
    text = (ROOT / "Makefile").read_text()
    assert "export DEBIAN_FRONTEND := noninteractive" in text
