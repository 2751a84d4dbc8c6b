"""Restart survival: kill -9 the server mid-job, start it again on the same data dir; nothing accepted is lost."""

from __future__ import annotations

import io
import time

import numpy as np
import soundfile
from serve_helpers import Server, wait_for


def _gone(pid: int) -> bool:
    """True once ``pid`` has exited (a zombie left for a non-reaping init counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):  # gone before the open, or between the open and the read
        return True


def _worker_pid(job: dict) -> int:
    return int(job["message"].rsplit(" ", 1)[1])  # test_sleep reports "step i of n in pid P"


def _assert_worker_exits(pid: int) -> None:
    deadline = time.monotonic() + 5
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(pid), "the orphaned worker kept running after the server died"


RAIN_S = 120


def test_kill_9_mid_job_loses_nothing(tmp_path):
    """Two kill -9s: interrupted jobs re-run (attempt 2), the queued job runs, and a job interrupted on its
    last allowed attempt is marked failed with the reason; orphaned workers stop by themselves."""
    server = Server(tmp_path / "data", "--n-workers", "2", "--max-attempts", "2").start()
    try:
        with server.client() as client:
            long_id = client.post("/v1/jobs", json={"kind": "test_sleep", "seconds": 60, "steps": 100}).json()["id"]
            # Long enough (4 x 120 s of audio) to be still rendering when the server is killed on a fast machine.
            rain_id = client.post("/v1/jobs", json={"kind": "sfx", "recipe": "rain", "duration_s": RAIN_S,
                                                    "variations": 4, "sample_rate": 48000}).json()["id"]
            queued_id = client.post("/v1/jobs", json={"kind": "sfx", "recipe": "ui", "preset": "click"}).json()["id"]
            long_job = wait_for(client, long_id, ("running",), predicate=lambda j: j["progress"] > 0)
            wait_for(client, rain_id, ("running",), predicate=lambda j: j["progress"] > 0)  # one of four rendered
            assert client.get(f"/v1/jobs/{queued_id}").json()["status"] == "queued"
        server.kill9()
        _assert_worker_exits(_worker_pid(long_job))

        server.start()
        with server.client() as client:
            rain = wait_for(client, rain_id, timeout_s=60)
            assert rain["status"] == "done" and rain["attempts"] == 2, rain
            wavs = [f for f in rain["files"] if f["name"].endswith(".wav")]
            assert len(wavs) == 4
            for f in wavs:
                samples, rate = soundfile.read(io.BytesIO(client.get(f["url"]).content), always_2d=True)
                assert rate == 48000 and samples.shape == (RAIN_S * 48000, 2) and np.sqrt(np.mean(samples**2)) > 1e-3
            queued = wait_for(client, queued_id)
            assert queued["status"] == "done" and queued["attempts"] == 1 and queued["files"]
            long_job = wait_for(client, long_id, ("running",), predicate=lambda j: j["attempts"] == 2
                                and j["progress"] > 0)
        server.kill9()  # interrupted again, on its last allowed attempt
        _assert_worker_exits(_worker_pid(long_job))

        server.start()
        with server.client() as client:
            job = client.get(f"/v1/jobs/{long_id}").json()
            assert job["status"] == "failed" and job["attempts"] == 2
            assert job["error"] == "interrupted: the server stopped during attempt 2 of 2; not retried"
            assert client.get(f"/v1/jobs/{rain_id}").json()["status"] == "done"  # finished work stays finished
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
