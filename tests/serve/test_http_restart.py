"""Restart survival: kill -9 the server mid-job, start it again on the same data dir; nothing accepted is lost."""

from __future__ import annotations

import io
import os
import time

import numpy as np
import soundfile
from serve_helpers import Server, wait_for


def _gone(pid: int) -> bool:
    """True once ``pid`` has exited (a zombie left for a non-reaping init counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_running_job_is_rerun_and_queued_job_runs_after_kill_9(tmp_path):
    server = Server(tmp_path / "data", "--n-workers", "1").start()
    try:
        with server.client() as client:
            slow = client.post("/v1/jobs", json={"kind": "sfx", "recipe": "rain", "duration_s": 30, "variations": 4,
                                                 "sample_rate": 48000}).json()["id"]
            waiting = client.post("/v1/jobs", json={"kind": "sfx", "recipe": "ui", "preset": "click"}).json()["id"]
            wait_for(client, slow, ("running",), predicate=lambda j: j["progress"] > 0)
            assert client.get(f"/v1/jobs/{waiting}").json()["status"] == "queued"
        server.kill9()  # mid-job: one of four variations rendered
        server.start()
        with server.client() as client:
            job = wait_for(client, slow, timeout_s=60)
            assert job["status"] == "done" and job["attempts"] == 2, job
            wavs = [f for f in job["files"] if f["name"].endswith(".wav")]
            assert len(wavs) == 4
            for f in wavs:
                samples, rate = soundfile.read(io.BytesIO(client.get(f["url"]).content), always_2d=True)
                assert rate == 48000 and samples.shape == (30 * 48000, 2) and np.sqrt(np.mean(samples**2)) > 1e-3
            queued = wait_for(client, waiting)
            assert queued["status"] == "done" and queued["attempts"] == 1 and queued["files"]
    finally:
        server.stop()


def test_interrupted_job_without_attempts_left_fails_with_the_reason(tmp_path):
    server = Server(tmp_path / "data", "--max-attempts", "1").start()
    try:
        with server.client() as client:
            response = client.post("/v1/jobs", json={"kind": "test_sleep", "seconds": 60, "steps": 100})
            assert response.status_code == 202, response.text
            job_id = response.json()["id"]
            running = wait_for(client, job_id, ("running",), predicate=lambda j: j["progress"] > 0)
        worker_pid = int(running["message"].rsplit(" ", 1)[1])
        server.kill9()
        deadline = time.monotonic() + 5
        while not _gone(worker_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _gone(worker_pid), "the orphaned worker kept running after the server died"
        server.start()
        with server.client() as client:
            job = client.get(f"/v1/jobs/{job_id}").json()
            assert job["status"] == "failed" and job["attempts"] == 1
            assert job["error"] == "interrupted: the server stopped during attempt 1 of 1; not retried"
            assert os.getpid() != worker_pid
    finally:
        server.stop()


def test_a_second_server_on_the_same_data_dir_refuses_to_start(server):
    import subprocess
    import sys

    from serve_helpers import free_port

    proc = subprocess.run([sys.executable, "-m", "museforge.serve.cli_serve", "--port", str(free_port()), "--data-dir",
                           str(server.data_dir)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: the data dir") and "in use by another museforge server" in proc.stderr
