"""The persistent job store: jobs, their results and uploads in SQLite (WAL), files on disk.

Every state change is one SQL transaction, so a server killed at any instant leaves a consistent
database. Ids are server-generated hex strings; the only paths ever opened are built from those
ids and from names this server wrote itself.

Life of a job: ``queued`` -> ``running`` -> ``done`` | ``failed`` | ``cancelled``. Each start
(``attempts``) gets a fresh ``run_id``; progress and results are written only while the job's
``run_id`` still matches, so an orphaned worker from before a restart can never overwrite the
re-run. On start-up, ``recover`` re-queues jobs a stopped server left ``running`` (until
``max_attempts`` starts) or marks them failed with the reason. Expired jobs are removed only by
``sweep``, which logs every deletion and keeps a record of it in the database.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
import sqlite3
import threading
import time
from pathlib import Path

log = logging.getLogger("museforge.serve.jobs")

STATUSES = ("queued", "running", "done", "failed", "cancelled")
FINISHED = ("done", "failed", "cancelled")
ID_PATTERN = re.compile(r"[0-9a-f]{16}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    kind TEXT NOT NULL,
    request TEXT NOT NULL,            -- the validated request, JSON
    info TEXT NOT NULL DEFAULT '{}',  -- what the server derived at submit (prompt understanding...), JSON
    status TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    message TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    run_id TEXT,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs(status, seq);
CREATE TABLE IF NOT EXISTS files (
    job_id TEXT NOT NULL,
    name TEXT NOT NULL,
    relpath TEXT NOT NULL,            -- relative to the data dir, written by the worker
    size_bytes INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    PRIMARY KEY (job_id, name)
);
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    relpath TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    info TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sweeps (
    at REAL NOT NULL,
    item TEXT NOT NULL,               -- "job <id>" or "upload <id>"
    reason TEXT NOT NULL
);
"""


class QueueFull(Exception):
    """The queue holds ``max_queued`` jobs already."""


def new_id() -> str:
    return secrets.token_hex(8)


def valid_id(text: str) -> bool:
    return ID_PATTERN.fullmatch(text) is not None


class JobStore:
    """Thread-safe access to one data dir; every thread (and process) gets its own connection."""

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir).resolve()
        self.db_path = self.data_dir / "jobs.sqlite3"
        self._local = threading.local()
        (self.data_dir / "jobs").mkdir(parents=True, exist_ok=True)
        (self.data_dir / "uploads").mkdir(parents=True, exist_ok=True)
        conn = self._conn()
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # autocommit; multi-statement changes use explicit BEGIN IMMEDIATE
            conn = sqlite3.connect(self.db_path, timeout=30.0, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a killed process
            self._local.conn = conn
        return conn

    def _transaction(self):
        return _Transaction(self._conn())

    # --- jobs ---------------------------------------------------------------------------------

    def submit(self, kind: str, request: dict, max_queued: int, info: dict | None = None) -> str:
        """Queue a job; raises :class:`QueueFull` when ``max_queued`` jobs are waiting."""
        job_id = new_id()
        with self._transaction() as conn:
            (waiting,) = conn.execute("SELECT COUNT(*) FROM jobs WHERE status = 'queued'").fetchone()
            if waiting >= max_queued:
                raise QueueFull(waiting)
            conn.execute("INSERT INTO jobs (id, kind, request, info, status, created_at) "
                         "VALUES (?, ?, ?, ?, 'queued', ?)",
                         (job_id, kind, json.dumps(request), json.dumps(info or {}), time.time()))
        return job_id

    def get(self, job_id: str) -> dict | None:
        row = self._conn().execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else dict(row)

    def list_jobs(self, status: str | None = None, limit: int = 50) -> list[dict]:
        if status is None:
            rows = self._conn().execute("SELECT * FROM jobs ORDER BY seq DESC LIMIT ?", (limit,))
        else:
            rows = self._conn().execute("SELECT * FROM jobs WHERE status = ? ORDER BY seq DESC LIMIT ?",
                                        (status, limit))
        return [dict(r) for r in rows]

    def counts(self) -> dict[str, int]:
        rows = self._conn().execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall()
        return {status: 0 for status in STATUSES} | {s: n for s, n in rows}

    def files(self, job_id: str) -> list[dict]:
        rows = self._conn().execute("SELECT name, size_bytes, media_type FROM files WHERE job_id = ? ORDER BY rowid",
                                    (job_id,))
        return [dict(r) for r in rows]

    def file_path(self, job_id: str, name: str) -> Path | None:
        """The path of a result file this server recorded, or None (the name is never joined as given)."""
        row = self._conn().execute("SELECT relpath FROM files WHERE job_id = ? AND name = ?",
                                   (job_id, name)).fetchone()
        if row is None:
            return None
        path = (self.data_dir / row["relpath"]).resolve()
        return path if path.is_relative_to(self.data_dir) and path.is_file() else None

    def claim_next(self) -> dict | None:
        """Mark the oldest queued job running under a fresh run id and return it."""
        with self._transaction() as conn:
            row = conn.execute("SELECT id FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1").fetchone()
            if row is None:
                return None
            conn.execute("UPDATE jobs SET status = 'running', attempts = attempts + 1, run_id = ?, started_at = ?, "
                         "progress = 0, message = 'starting' WHERE id = ?", (new_id(), time.time(), row["id"]))
            return dict(conn.execute("SELECT * FROM jobs WHERE id = ?", (row["id"],)).fetchone())

    def is_current(self, job_id: str, run_id: str) -> bool:
        row = self._conn().execute("SELECT 1 FROM jobs WHERE id = ? AND run_id = ? AND status = 'running'",
                                   (job_id, run_id)).fetchone()
        return row is not None

    def set_progress(self, job_id: str, run_id: str, fraction: float, message: str | None = None) -> bool:
        """Record progress of the current run; False if this run is no longer the job's (stale/cancelled)."""
        cur = self._conn().execute(
            "UPDATE jobs SET progress = ?, message = ? WHERE id = ? AND run_id = ? AND status = 'running'",
            (min(1.0, max(0.0, float(fraction))), message, job_id, run_id))
        return cur.rowcount == 1

    def finish(self, job_id: str, run_id: str, files: list[dict]) -> bool:
        """Mark the run done and record its files (name, relpath, size_bytes, media_type)."""
        with self._transaction() as conn:
            cur = conn.execute("UPDATE jobs SET status = 'done', progress = 1, message = 'done', finished_at = ? "
                               "WHERE id = ? AND run_id = ? AND status = 'running'", (time.time(), job_id, run_id))
            if cur.rowcount != 1:
                return False
            conn.execute("DELETE FROM files WHERE job_id = ?", (job_id,))
            conn.executemany("INSERT INTO files (job_id, name, relpath, size_bytes, media_type) VALUES (?, ?, ?, ?, ?)",
                             [(job_id, f["name"], f["relpath"], f["size_bytes"], f["media_type"]) for f in files])
        return True

    def fail(self, job_id: str, run_id: str, error: str) -> bool:
        cur = self._conn().execute(
            "UPDATE jobs SET status = 'failed', error = ?, message = 'failed', finished_at = ? "
            "WHERE id = ? AND run_id = ? AND status = 'running'", (error, time.time(), job_id, run_id))
        return cur.rowcount == 1

    def cancel(self, job_id: str) -> tuple[bool, str | None]:
        """Cancel a queued or running job: (whether it was cancelled now, its status before; None: no such job)."""
        with self._transaction() as conn:
            row = conn.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return False, None
            if row["status"] in ("queued", "running"):
                conn.execute("UPDATE jobs SET status = 'cancelled', error = 'cancelled by the client', "
                             "message = 'cancelled', finished_at = ? WHERE id = ?", (time.time(), job_id))
                return True, row["status"]
            return False, row["status"]

    def recover(self, max_attempts: int) -> tuple[list[str], list[str]]:
        """After a stop: re-queue interrupted jobs with starts left, fail the rest. Returns (requeued, failed)."""
        requeued, failed = [], []
        with self._transaction() as conn:
            for row in conn.execute("SELECT id, attempts FROM jobs WHERE status = 'running'").fetchall():
                if row["attempts"] < max_attempts:
                    conn.execute("UPDATE jobs SET status = 'queued', progress = 0, run_id = NULL, message = ? "
                                 "WHERE id = ?", (f"re-queued: the server stopped during attempt {row['attempts']}",
                                                  row["id"]))
                    requeued.append(row["id"])
                else:
                    conn.execute("UPDATE jobs SET status = 'failed', finished_at = ?, message = 'failed', error = ? "
                                 "WHERE id = ?", (time.time(), f"interrupted: the server stopped during attempt "
                                                  f"{row['attempts']} of {max_attempts}; not retried", row["id"]))
                    failed.append(row["id"])
        for job_id in requeued:
            log.warning("job %s was running when the server stopped; re-queued", job_id)
        for job_id in failed:
            log.warning("job %s was running when the server stopped; no attempts left, marked failed", job_id)
        return requeued, failed

    def requeue_running(self) -> list[str]:
        """On a clean shutdown: running jobs go back to the queue without using up an attempt."""
        with self._transaction() as conn:
            ids = [r["id"] for r in conn.execute("SELECT id FROM jobs WHERE status = 'running'").fetchall()]
            conn.execute("UPDATE jobs SET status = 'queued', attempts = MAX(attempts - 1, 0), run_id = NULL, "
                         "progress = 0, message = 're-queued: server shut down' WHERE status = 'running'")
        return ids

    def job_dir(self, job_id: str, run_id: str) -> Path:
        return self.data_dir / "jobs" / job_id / run_id

    # --- uploads ------------------------------------------------------------------------------

    def upload_part_path(self, upload_id: str) -> Path:
        return self.data_dir / "uploads" / f"{upload_id}.part"

    def add_upload(self, upload_id: str, kind: str, path: Path, info: dict) -> dict:
        relpath = str(path.resolve().relative_to(self.data_dir))
        size = path.stat().st_size
        self._conn().execute("INSERT INTO uploads (id, kind, relpath, size_bytes, info, created_at) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             (upload_id, kind, relpath, size, json.dumps(info), time.time()))
        return {"id": upload_id, "kind": kind, "size_bytes": size, "info": info}

    def get_upload(self, upload_id: str) -> dict | None:
        row = self._conn().execute("SELECT * FROM uploads WHERE id = ?", (upload_id,)).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["info"] = json.loads(out["info"])
        out["path"] = self.data_dir / out.pop("relpath")
        return out

    # --- retention ----------------------------------------------------------------------------

    def sweep(self, retention_s: float, now: float | None = None) -> list[str]:
        """Delete finished jobs (rows and files) and unused uploads older than ``retention_s``.

        Every deletion is logged and recorded in the ``sweeps`` table; returns the items deleted.
        """
        now = time.time() if now is None else now
        cutoff = now - retention_s
        conn = self._conn()
        jobs = conn.execute("SELECT id, status, finished_at FROM jobs WHERE status IN ('done', 'failed', 'cancelled') "
                            "AND finished_at < ?", (cutoff,)).fetchall()
        active = " ".join(r["request"] for r in conn.execute(
            "SELECT request FROM jobs WHERE status IN ('queued', 'running')"))
        uploads = [r for r in conn.execute("SELECT id, relpath FROM uploads WHERE created_at < ?", (cutoff,))
                   if r["id"] not in active]
        deleted = []
        for row in jobs:
            reason = f"{row['status']} at {_utc(row['finished_at'])}, retention {retention_s:g} s"
            with self._transaction() as tx:
                tx.execute("DELETE FROM files WHERE job_id = ?", (row["id"],))
                tx.execute("DELETE FROM jobs WHERE id = ?", (row["id"],))
                tx.execute("INSERT INTO sweeps (at, item, reason) VALUES (?, ?, ?)", (now, f"job {row['id']}", reason))
            shutil.rmtree(self.data_dir / "jobs" / row["id"], ignore_errors=True)
            log.info("retention sweep: deleted job %s (%s)", row["id"], reason)
            deleted.append(f"job {row['id']}")
        for row in uploads:
            reason = f"unused upload older than retention {retention_s:g} s"
            with self._transaction() as tx:
                tx.execute("DELETE FROM uploads WHERE id = ?", (row["id"],))
                tx.execute("INSERT INTO sweeps (at, item, reason) VALUES (?, ?, ?)",
                           (now, f"upload {row['id']}", reason))
            (self.data_dir / row["relpath"]).unlink(missing_ok=True)
            log.info("retention sweep: deleted upload %s (%s)", row["id"], reason)
            deleted.append(f"upload {row['id']}")
        log.info("retention sweep: %d item(s) deleted (retention %g s)", len(deleted), retention_s)
        return deleted

    def sweep_log(self, limit: int = 100) -> list[dict]:
        rows = self._conn().execute("SELECT at, item, reason FROM sweeps ORDER BY rowid DESC LIMIT ?", (limit,))
        return [dict(r) for r in rows]


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error): one writer at a time across processes."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


def _utc(timestamp: float | None) -> str:
    if timestamp is None:
        return "?"
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))
