"""A helper server process (dynalite, pgbouncer) started on 127.0.0.1 for one proof: a free
port, a wait until it accepts connections, and a stop afterwards whatever happened."""
from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from typing import Iterator

from dbdesign.errors import EngineUnavailable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def process(cmd: list[str], port: int, label: str, timeout: float = 15.0) -> Iterator[subprocess.Popen]:
    """Run `cmd`, wait until 127.0.0.1:`port` accepts connections (EngineUnavailable with the
    program's own words if it exits or `timeout` passes first), yield it, then stop it."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read() if proc.poll() is not None else ""
                raise EngineUnavailable(f"{label} did not start on port {port}: {out.strip()[:300]}")
            time.sleep(0.05)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
