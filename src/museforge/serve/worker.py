"""Runs jobs in worker processes so a crashing, hung or cancelled job never takes the server down.

A supervisor thread in the server claims queued jobs from the :class:`JobStore` and schedules
each on a pebble process pool (forkserver context: workers fork from a clean, pre-imported
process, not from the threaded server). pebble kills a worker whose job exceeds its timeout or
whose future is cancelled, and reports a worker that died (``ProcessExpired``); the supervisor
turns each outcome into a job state with a reason. The worker writes progress to the database
itself and stops on its own when its run is no longer current or the server process is gone.

Uploads are parsed the same way (a separate one-worker pool with a timeout) before a job that
uses them can be accepted, because parsers can crash or hang on malicious files.
"""

from __future__ import annotations

import concurrent.futures
import importlib
import logging
import mimetypes
import multiprocessing
import os
import threading
import time
import traceback
from pathlib import Path

from museforge.errors import MuseforgeError
from museforge.serve.jobs import JobStore
from museforge.serve.settings import ServeSettings

log = logging.getLogger("museforge.serve.worker")

# Imported once in the fork server, so a worker (re)started after a kill is ready at once.
_PRELOAD = ["numpy", "scipy.signal", "soundfile", "symusic", "museforge.serve.job_kinds", "museforge.sfx.recipe",
            "museforge.sfx.batch", "museforge.sfx.loop", "museforge.sfx.variations", "museforge.export"]
_MEDIA_TYPES = {".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg", ".mp3": "audio/mpeg",
                ".mid": "audio/midi", ".json": "application/json",
                ".musicxml": "application/vnd.recordare.musicxml+xml"}


def import_kind_modules(modules: tuple[str, ...]) -> None:
    """Import plugin modules that register extra job kinds (in the server and in every worker)."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise MuseforgeError(f"cannot import job-kind module {name!r}: {exc}") from None


def _init_worker(modules: tuple[str, ...]) -> None:
    import_kind_modules(modules)
    from museforge.sfx.recipe import recipe_names

    recipe_names()  # register the recipes once per worker, not per job


def _watchdog(store: JobStore, job_id: str, run_id: str, server_pid: int, finished: threading.Event) -> None:
    """Exit this worker if the server died or the run was cancelled/superseded (no orphans left running)."""
    while not finished.wait(0.5):
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            os._exit(3)
        except PermissionError:
            pass
        try:
            if not store.is_current(job_id, run_id) and not finished.is_set():
                os._exit(4)
        except Exception:  # a locked/closing database: try again next tick
            pass


def run_job(data_dir: str, job_id: str, run_id: str, kind: str, request: dict, max_duration_s: float,
            server_pid: int) -> list[dict]:
    """Worker-process entry: run one job and return its file records."""
    store = JobStore(data_dir)
    finished = threading.Event()  # the pool worker outlives this job: its watchdog must not
    threading.Thread(target=_watchdog, args=(store, job_id, run_id, server_pid, finished), daemon=True).start()
    try:
        return _run(store, job_id, run_id, kind, request, max_duration_s)
    finally:
        finished.set()


def _run(store: JobStore, job_id: str, run_id: str, kind: str, request: dict, max_duration_s: float) -> list[dict]:
    from museforge.serve.job_kinds import JobContext, get_kind

    job_kind = get_kind(kind)
    model = job_kind.model.model_validate(request)
    out_dir = store.job_dir(job_id, run_id)
    out_dir.mkdir(parents=True, exist_ok=True)

    def report(fraction: float, message: str) -> None:
        if not store.set_progress(job_id, run_id, fraction, message):
            os._exit(4)  # cancelled or superseded: stop spending CPU on it

    def uploads(upload_id: str) -> dict:
        upload = store.get_upload(upload_id)
        if upload is None:
            raise MuseforgeError(f"upload {upload_id} no longer exists (swept after the retention period?)")
        return upload

    paths = job_kind.run(model, JobContext(out_dir, report, uploads, max_duration_s))
    records = []
    for path in paths:
        path = Path(path).resolve()
        if not path.is_relative_to(out_dir.resolve()):
            raise RuntimeError(f"job kind {kind} wrote outside its folder: {path}")
        media_type = _MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        records.append({"name": path.name, "relpath": str(path.relative_to(store.data_dir)),
                        "size_bytes": path.stat().st_size, "media_type": media_type})
    return records


def check_upload(kind: str, path: str, max_duration_s: float) -> dict:
    """Parse an uploaded file (in a worker process) and describe it; MuseforgeError if unusable."""
    if kind == "midi":
        import symusic

        try:
            score = symusic.Score(path)
        except Exception as exc:
            raise MuseforgeError(f"not a readable standard MIDI file ({exc})") from None
        n_notes = int(score.note_num())
        if n_notes == 0:
            raise MuseforgeError("the MIDI file has no notes")
        duration_s = float(score.to("second").end())
        if duration_s > max_duration_s:
            raise MuseforgeError(f"the MIDI file lasts {duration_s:.1f} s, over the server's max duration of "
                                 f"{max_duration_s:g} s")
        return {"n_tracks": len(score.tracks), "n_notes": n_notes, "duration_s": round(duration_s, 3),
                **_score_facts(score)}
    from museforge.audio import Audio

    try:
        audio = Audio.read(path)
    except MuseforgeError:
        raise
    except Exception as exc:
        raise MuseforgeError(f"not a readable audio file (WAV, FLAC, OGG or MP3): {exc}") from None
    if audio.duration_s > max_duration_s:
        raise MuseforgeError(f"the audio lasts {audio.duration_s:.1f} s, over the server's max duration of "
                             f"{max_duration_s:g} s")
    return {"duration_s": round(audio.duration_s, 3), "sample_rate": audio.sample_rate, "n_channels": audio.n_channels,
            "peak_dbfs": round(audio.peak_dbfs(), 2)}


def _score_facts(score) -> dict:
    """Meter, tempo, whole bars (as the composer counts them) and programs of a MIDI upload, so jobs that
    use it (compose: continue, infill bars) can be checked at submit time without parsing it again."""
    import math

    num, den = (score.time_signatures[0].numerator, score.time_signatures[0].denominator) \
        if len(score.time_signatures) else (4, 4)
    bar_ticks = max(1, num * 4 * score.ticks_per_quarter // den)
    programs = list(dict.fromkeys(-1 if t.is_drum else int(t.program) for t in score.tracks if len(t.notes)))
    return {"time_signature": f"{num}/{den}", "tempo_bpm": round(float(score.tempos[0].qpm), 3) if len(score.tempos)
            else 120.0, "n_bars": max(1, math.ceil(score.end() / bar_ticks)), "programs": programs}


class Supervisor:
    """Claims jobs, runs them in worker processes, records how each one ended; also runs the sweep."""

    def __init__(self, store: JobStore, settings: ServeSettings):
        self.store = store
        self.settings = settings
        self._running: dict[str, tuple[str, concurrent.futures.Future]] = {}  # job id -> (run id, future)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = None
        self._upload_pool = None
        self._next_sweep = 0.0

    def start(self) -> None:
        import pebble

        context = multiprocessing.get_context("forkserver")
        from museforge.sfx.recipe import _BUILTIN_MODULES

        recipes = [f"museforge.sfx.{name}" for name in _BUILTIN_MODULES]
        context.set_forkserver_preload(_PRELOAD + recipes + list(self.settings.kind_modules))
        self._pool = pebble.ProcessPool(max_workers=self.settings.n_workers, initializer=_init_worker,
                                        initargs=(self.settings.kind_modules,), context=context)
        self._upload_pool = pebble.ProcessPool(max_workers=1, context=context)
        self._thread = threading.Thread(target=self._loop, name="museforge-supervisor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop claiming, kill running workers and put their jobs back in the queue for the next start."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        for pool in (self._pool, self._upload_pool):
            if pool is not None:
                pool.stop()
                pool.join(timeout=10)
        requeued = self.store.requeue_running()
        if requeued:
            log.info("shutdown: re-queued running jobs %s", ", ".join(requeued))

    def check_upload(self, kind: str, path: Path) -> concurrent.futures.Future:
        return self._upload_pool.schedule(check_upload, args=(kind, str(path), self.settings.max_duration_s),
                                          timeout=self.settings.upload_check_timeout_s)

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.poll_interval_s):
            try:
                self.tick()
            except Exception:  # the supervisor must outlive any one bad tick (e.g. a locked database)
                log.exception("supervisor tick failed")

    def tick(self) -> None:
        self._reap()
        while len(self._running) < self.settings.n_workers:
            job = self.store.claim_next()
            if job is None:
                break
            self._launch(job)
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + self.settings.sweep_interval_s
            self.store.sweep(self.settings.retention_s)

    def _launch(self, job: dict) -> None:
        import json

        args = (str(self.store.data_dir), job["id"], job["run_id"], job["kind"], json.loads(job["request"]),
                self.settings.max_duration_s, os.getpid())
        try:
            future = self._pool.schedule(run_job, args=args, timeout=self.settings.job_timeout_s)
        except Exception as exc:  # a broken pool: fail this job visibly rather than leave it "running"
            log.exception("job %s could not be scheduled", job["id"])
            self.store.fail(job["id"], job["run_id"], f"internal error: could not start a worker ({exc})")
            return
        self._running[job["id"]] = (job["run_id"], future)
        log.info("job %s (%s) started, attempt %d", job["id"], job["kind"], job["attempts"])

    def _reap(self) -> None:
        import pebble

        for job_id, (run_id, future) in list(self._running.items()):
            if not future.done():
                if not self.store.is_current(job_id, run_id):  # cancelled by a client
                    future.cancel()  # pebble terminates the worker process
                    log.info("job %s cancelled; worker stopped", job_id)
                    del self._running[job_id]
                continue
            del self._running[job_id]
            if future.cancelled():
                continue
            error = future.exception()
            if error is None:
                self.store.finish(job_id, run_id, future.result())
                log.info("job %s done", job_id)
                continue
            if isinstance(error, MuseforgeError):
                reason = str(error)
            elif isinstance(error, concurrent.futures.TimeoutError):
                reason = f"timed out: still running after {self.settings.job_timeout_s:g} s (job_timeout_s); stopped"
            elif isinstance(error, pebble.ProcessExpired):
                reason = f"the worker process died (exit code {error.exitcode}) while running the job"
            else:
                reason = f"internal error: {type(error).__name__}: {error}"
                log.error("job %s failed:\n%s", job_id, "".join(traceback.format_exception(error)))
            if self.store.fail(job_id, run_id, reason):
                log.info("job %s failed: %s", job_id, reason)
