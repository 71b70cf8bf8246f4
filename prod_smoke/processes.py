"""The processes a production deployment runs, started on this machine and always stopped again.

Each runs in its own process group (gunicorn and Celery fork children), so that
stopping the group stops all of it; its output goes to a log file of its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# What Celery writes straight to the terminal on SIGTERM, outside logging; nothing else may be plain text.
CELERY_CONSOLE_NOTICES = frozenset({"worker: Warm shutdown (MainProcess)"})


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def json_lines(self) -> list[dict[str, object]]:
        """The JSON lines written so far. While the process runs, its last line may be half written
        (read between two writes); only lines that end in a newline count, the rest is read next time."""
        text = self.text()
        complete = text[: text.rfind("\n") + 1]
        return [json.loads(line) for line in complete.splitlines() if line.startswith("{")]

    def plain_lines(self) -> list[str]:
        """Lines that are not one JSON object each (apart from Celery's own console notice)."""
        bad = []
        for line in self.text().splitlines():
            if not line.strip() or line in CELERY_CONSOLE_NOTICES:
                continue
            try:
                if not isinstance(json.loads(line), dict):
                    bad.append(line)
            except ValueError:
                bad.append(line)
        return bad

    def stop(self, timeout: float = 30) -> None:
        """As systemd's KillMode=mixed (deploy/): TERM to the main process, which stops its children
        gracefully; whatever of the group is left after that, or after the timeout, is killed."""
        if self.popen.poll() is None:
            self.popen.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)


@dataclass
class Processes:
    """Everything started so far, to be stopped in reverse order, whatever happened."""

    folder: Path
    environment: dict[str, str]
    started: list[Process] = field(default_factory=list)

    def start(self, name: str, command: list[str]) -> Process:
        log = self.folder / f"{name}.log"
        popen = subprocess.Popen(  # noqa: S603 (our own interpreter's tools, fixed arguments)
            command,
            cwd=PROJECT_DIR,
            env=self.environment,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process = Process(name, popen, log)
        self.started.append(process)
        return process

    def web(self, name: str, port: int) -> Process:
        return self.start(name, [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"])

    def worker(self, name: str) -> Process:
        options = ["--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h"]
        process = self.start(name, [str(BIN / "celery"), "-A", "offboarding", "--quiet", "worker", *options])
        wait_until(lambda: any(" ready." in str(line.get("message")) for line in process.json_lines()), 60, process)
        return process

    def beat(self, name: str) -> Process:
        schedule = self.folder / f"{name}-schedule"
        command = [str(BIN / "celery"), "-A", "offboarding", "--quiet", "beat", f"--schedule={schedule}"]
        return self.start(name, command)

    def stop_all(self) -> None:
        for process in reversed(self.started):
            process.stop()

    def run(self, *arguments: str) -> None:
        """A management command, as a deploy runs it before starting the processes."""
        result = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
            [sys.executable, "manage.py", *arguments],
            cwd=PROJECT_DIR,
            env=self.environment,
            check=False,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise SystemExit(f"manage.py {' '.join(arguments)} failed:\n{result.stdout}{result.stderr}")


def wait_until(condition: Callable[[], bool], timeout: float, process: Process | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.popen.poll() is not None:
            raise SystemExit(f"{process.name} stopped:\n{process.text()[-3000:]}")
        if time.monotonic() > deadline:
            detail = f"\n{process.name}:\n{process.text()[-3000:]}" if process else ""
            raise SystemExit(f"Gave up waiting after {timeout:.0f} s.{detail}")
        time.sleep(0.1)
