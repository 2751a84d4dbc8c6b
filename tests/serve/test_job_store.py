"""The job store and settings without a server: run ids, recovery, the logged retention sweep, limits."""

from __future__ import annotations

import logging
import sqlite3
import time

import pytest
from typer.testing import CliRunner

from museforge.errors import MuseforgeError
from museforge.serve.jobs import JobStore, QueueFull
from museforge.serve.settings import ServeSettings


def _files(store: JobStore, job: dict, names: list[str]) -> list[dict]:
    folder = store.job_dir(job["id"], job["run_id"])
    folder.mkdir(parents=True)
    out = []
    for name in names:
        (folder / name).write_text(name)
        out.append({"name": name, "relpath": str((folder / name).relative_to(store.data_dir)), "size_bytes": len(name),
                    "media_type": "text/plain"})
    return out


def test_a_superseded_run_can_no_longer_write(tmp_path):
    store = JobStore(tmp_path)
    job_id = store.submit("sfx", {"recipe": "rain"}, max_queued=10)
    first = store.claim_next()
    assert first["id"] == job_id and first["attempts"] == 1 and store.is_current(job_id, first["run_id"])
    assert store.recover(max_attempts=2) == ([job_id], [])  # as after a kill -9
    second = store.claim_next()
    assert second["attempts"] == 2 and second["run_id"] != first["run_id"]
    assert not store.set_progress(job_id, first["run_id"], 0.5, "orphan")
    assert not store.finish(job_id, first["run_id"], [])
    assert store.set_progress(job_id, second["run_id"], 0.5, "halfway")
    assert store.finish(job_id, second["run_id"], _files(store, second, ["a.wav"]))
    done = store.get(job_id)
    assert done["status"] == "done" and done["progress"] == 1.0
    assert store.file_path(job_id, "a.wav").read_text() == "a.wav"
    assert store.file_path(job_id, "../jobs.sqlite3") is None and store.file_path(job_id, "b.wav") is None


def test_recover_fails_jobs_without_attempts_left_and_keeps_the_queue_order(tmp_path):
    store = JobStore(tmp_path)
    ids = [store.submit("sfx", {"n": i}, max_queued=10) for i in range(3)]
    store.claim_next()
    requeued, failed = store.recover(max_attempts=1)
    assert requeued == [] and failed == [ids[0]]
    assert "attempt 1 of 1" in store.get(ids[0])["error"]
    assert [store.claim_next()["id"] for _ in range(2)] == ids[1:]
    assert store.claim_next() is None


def test_clean_shutdown_requeues_without_using_an_attempt(tmp_path):
    store = JobStore(tmp_path)
    job_id = store.submit("sfx", {}, max_queued=10)
    store.claim_next()
    assert store.requeue_running() == [job_id]
    job = store.get(job_id)
    assert job["status"] == "queued" and job["attempts"] == 0 and job["run_id"] is None
    assert store.claim_next()["attempts"] == 1


def test_queue_limit_counts_waiting_jobs_only(tmp_path):
    store = JobStore(tmp_path)
    store.submit("sfx", {}, max_queued=2)
    store.claim_next()  # running jobs do not count against the queue
    store.submit("sfx", {}, max_queued=2)
    store.submit("sfx", {}, max_queued=2)
    with pytest.raises(QueueFull):
        store.submit("sfx", {}, max_queued=2)
    assert store.counts() == {"queued": 2, "running": 1, "done": 0, "failed": 0, "cancelled": 0}


def test_cancel_only_unfinished_jobs(tmp_path):
    store = JobStore(tmp_path)
    job_id = store.submit("sfx", {}, max_queued=2)
    assert store.cancel(job_id) == (True, "queued")
    assert store.cancel(job_id) == (False, "cancelled")
    assert store.cancel("0123456789abcdef") == (False, None)
    assert store.claim_next() is None  # a cancelled job never starts


def test_sweep_deletes_only_expired_finished_jobs_and_logs_each(tmp_path, caplog):
    store = JobStore(tmp_path)
    old, recent, waiting = (store.submit("sfx", {}, max_queued=10) for _ in range(3))
    for job_id in (old, recent):
        job = store.claim_next()
        store.finish(job_id, job["run_id"], _files(store, job, ["x.wav"]))
    upload_path = tmp_path / "uploads" / "00000000000000aa.mid"
    upload_path.write_bytes(b"MThd")
    store.add_upload("00000000000000aa", "midi", upload_path, {})
    conn = sqlite3.connect(store.db_path)
    with conn:
        conn.execute("UPDATE jobs SET finished_at = ? WHERE id = ?", (time.time() - 7200, old))
        conn.execute("UPDATE uploads SET created_at = ?", (time.time() - 7200,))
    with caplog.at_level(logging.INFO, logger="museforge.serve.jobs"):
        deleted = store.sweep(retention_s=3600)
    assert deleted == [f"job {old}", "upload 00000000000000aa"]
    assert store.get(old) is None and not (tmp_path / "jobs" / old).exists() and not upload_path.exists()
    assert store.get(recent)["status"] == "done" and store.get(waiting)["status"] == "queued"
    assert f"deleted job {old}" in caplog.text and "done at" in caplog.text
    assert [row["item"] for row in store.sweep_log()] == ["upload 00000000000000aa", f"job {old}"]


def test_sweep_command_lists_what_it_deletes(tmp_path):
    from museforge.serve.cli_serve import app

    store = JobStore(tmp_path)
    job_id = store.submit("sfx", {}, max_queued=10)
    store.cancel(job_id)
    with sqlite3.connect(store.db_path) as conn:
        conn.execute("UPDATE jobs SET finished_at = 0")
    result = CliRunner().invoke(app, ["sweep", "--data-dir", str(tmp_path), "--retention-s", "60"])
    assert result.exit_code == 0, result.output
    assert f"deleted job {job_id}" in result.output and "1 item(s) deleted" in result.output


def test_settings_check_ranges_and_read_the_environment(tmp_path, monkeypatch):
    with pytest.raises(MuseforgeError, match=r"max_queued must be in \[1, 100000\]"):
        ServeSettings(max_queued=0)
    with pytest.raises(MuseforgeError, match="max_variations must be a whole number"):
        ServeSettings(max_variations=2.5)
    with pytest.raises(MuseforgeError, match="token must be at least 8"):
        ServeSettings(token="short")
    monkeypatch.setenv("MUSEFORGE_MAX_QUEUED", "7")
    config = tmp_path / "settings.json"
    config.write_text('{"max_variations": 3, "retention_s": 120}')
    settings = ServeSettings.load(config, max_variations=5)
    assert (settings.max_queued, settings.max_variations, settings.retention_s) == (7, 5, 120.0)
    config.write_text('{"max_frobs": 3}')
    with pytest.raises(MuseforgeError, match="unknown settings"):
        ServeSettings.load(config)
    assert ServeSettings(token="abcdefgh1").to_json()["token"] == "set"
