"""Helpers for the server tests: a real museforge server (uvicorn in a subprocess) on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """Start/stop/kill -9 one server process over a data dir that outlives it."""

    def __init__(self, data_dir: Path, *options: str, token: str | None = None, env: dict[str, str] | None = None):
        self.data_dir = data_dir
        self.options = options
        self.token = token
        self.env = env or {}  # extra environment, e.g. MUSEFORGE_COMPOSER
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.log_path = data_dir.parent / f"{data_dir.name}-server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, **kwargs) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30.0, **kwargs)

    def start(self) -> Server:
        self.port = free_port()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
        env.pop("MUSEFORGE_TOKEN", None)
        env.update(self.env)
        args = [sys.executable, "-m", "museforge.serve.cli_serve", "--port", str(self.port), "--data-dir",
                str(self.data_dir), "--kind-module", "museforge_test_kinds", "--log-level", "warning", *self.options]
        if self.token:
            args += ["--token", self.token]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 120  # generous: tests share the machine with training runs
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.proc.kill()  # a server that is still starting must not outlive the test as an orphan
        self.proc.wait()
        raise RuntimeError(f"server did not come up:\n{self.log_path.read_text()}")

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wait_for(client: httpx.Client, job_id: str, statuses=("done", "failed", "cancelled"), timeout_s: float = 30.0,
             predicate=None) -> dict:
    """Poll a job until its status is one of ``statuses`` (and ``predicate(job)`` holds)."""
    deadline = time.monotonic() + timeout_s
    while True:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in statuses and (predicate is None or predicate(job)):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['status']} after {timeout_s} s: {job}")
        time.sleep(0.05)


def raw_request(server: Server, head: str, body: bytes = b"", read_timeout_s: float = 10.0) -> tuple[int, bytes]:
    """Send bytes exactly as written (no client-side path normalisation); return (status, whole response)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=read_timeout_s) as sock:
        auth = f"Authorization: Bearer {server.token}\r\n" if server.token else ""
        sock.sendall(head.replace("\r\n\r\n", f"\r\n{auth}\r\n", 1).encode() + body)
        data = b""
        while chunk := sock.recv(65536):  # requests say Connection: close, so the server ends the stream
            data += chunk
    return int(data.split(b" ", 2)[1]), data
