"""``grapevine`` as a child process: start it, read what it announces, stop it."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def default_sigint() -> None:
    """For ``preexec_fn``: the child takes SIGINT as Ctrl-C even when the test run was
    started as a background job, whose shell makes its children ignore SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def launch(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, list[str]]:
    """Start ``grapevine ARGS`` and collect its output up to "Ctrl-C" (60 s at most).

    ``env`` is added to this process's environment (``TMPDIR`` for instance).
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "range.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        preexec_fn=default_sigint,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if "Ctrl-C" in line:
            break
    return proc, seen


def stop(proc: subprocess.Popen, signum: int = signal.SIGINT) -> int:
    """Send ``signum`` (Ctrl-C by default) and wait (20 s at most); the exit status."""
    proc.send_signal(signum)
    try:
        return proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
