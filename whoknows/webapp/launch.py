"""Start the app as a real server (``streamlit run app.py``) on a free localhost port, wait until it is healthy,
and stop it: what the browser tests and ``bench/app.py`` share. Also the Chromium launch settings, so both drive
Debian's ``/usr/bin/chromium`` the same way (never a downloaded browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoknows.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(base_url: str, proc: subprocess.Popen, log: Path | None = None, *, timeout_s: float = 90.0) -> float:
    """Poll Streamlit's health endpoint; return seconds waited. Raise with the server's output if it died."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout_s:
        if proc.poll() is not None:
            out = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
            raise ConfigError(f"streamlit exited with code {proc.returncode} before it was healthy:\n{out}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - t0
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise ConfigError(f"streamlit did not become healthy at {base_url} within {timeout_s:.0f} s")


@contextmanager
def serve(store: Path | str, *, port: int | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``streamlit run app.py -- --store STORE`` headless on 127.0.0.1; yield its base URL."""
    port = port or free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",  # usage statistics and the toolbar: .streamlit/config.toml, as shipped
        "--", "--store", str(store),
    ]  # fmt: skip
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    # the server's output goes to a file (a pipe nobody reads would fill up and stall the server)
    log = Path(tempfile.mkstemp(prefix="whoknows-streamlit-", suffix=".log")[1])
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, log)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
