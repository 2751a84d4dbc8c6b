"""The HTTP API: a thin FastAPI adapter over the job store, the worker and the job kinds.

>>> from museforge.serve.http import create_app
>>> from museforge.serve.settings import ServeSettings
>>> app = create_app(ServeSettings(data_dir="data", token="s3cret-token"))  # serve with uvicorn

Routes (all under /v1 need the Bearer token when one is set):
    POST   /v1/uploads?kind=midi|audio   raw file body -> 201 {id, info}; parsed in a worker first
    POST   /v1/jobs                      {kind, ..., variations, seed} -> 202 {id, ...}
    GET    /v1/jobs/{id}                 status, progress 0..1, message, error, files
    GET    /v1/jobs/{id}/events          server-sent events until the job ends
    GET    /v1/jobs/{id}/files/{name}    download (names from the job's own listing only)
    POST   /v1/jobs/{id}/cancel, DELETE /v1/jobs/{id}
    GET    /v1/jobs, /v1/kinds, /v1/limits, /v1/sweeps;  GET /healthz, GET / (web studio)
    GET    /v1/studio/options, POST /v1/studio/prompt, GET /v1/jobs/{id}/notes/{name}  (see http_studio)

Every user error is a 4xx whose ``detail`` says which field is wrong and what is allowed.
"""

import asyncio
import concurrent.futures
import json
import logging
import secrets
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Literal, Union
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from museforge.errors import MuseforgeError
from museforge.serve import job_kinds
from museforge.serve.http_studio import studio_router
from museforge.serve.jobs import FINISHED, JobStore, QueueFull, new_id, valid_id
from museforge.serve.settings import ServeSettings
from museforge.serve.worker import Supervisor, import_kind_modules

log = logging.getLogger("museforge.serve.http")
WEB_INDEX = Path(__file__).parent / "web" / "index.html"


class FileView(BaseModel):
    name: str
    size_bytes: int
    media_type: str
    url: str


class JobView(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float = Field(..., ge=0, le=1)
    message: str | None
    error: str | None = Field(None, description="why the job failed or was cancelled")
    attempts: int = Field(..., description="times the job was started (re-runs after a server stop count)")
    created_at: float
    started_at: float | None
    finished_at: float | None
    expires_at: float | None = Field(None, description="when the retention sweep will delete it (unix s)")
    request: dict = Field(..., description="the request as run: seed chosen, prompt read into fields")
    info: dict = Field(..., description="what the server derived: prompt understanding (understood/ignored), "
                                        "validated controls, upload facts")
    files: list[FileView]


class UploadView(BaseModel):
    id: str
    kind: str
    size_bytes: int
    info: dict


class ContentTooLarge(HTTPException):
    def __init__(self, limit: int, what: str):
        super().__init__(413, f"{what} is larger than the server's limit of {limit} bytes")


class BodyLimit:
    """413 for bodies over the limit: at once when Content-Length says so, else as soon as it is crossed."""

    def __init__(self, app, settings: ServeSettings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        is_upload = scope["path"].rstrip("/") == "/v1/uploads"
        limit = self.settings.max_upload_bytes if is_upload else self.settings.max_json_bytes
        what = "the upload" if is_upload else "the request body"
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response = JSONResponse({"detail": ContentTooLarge(limit, what).detail}, status_code=413,
                                    headers={"Connection": "close"})
            return await response(scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise ContentTooLarge(limit, what)
            return message

        await self.app(scope, limited_receive, send)


def _field(loc) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


def _validation_error(field: str, message: str, status: int = 422) -> JSONResponse:
    return JSONResponse({"detail": f"{field}: {message}", "errors": [{"field": field, "message": message}]},
                        status_code=status)


def create_app(settings: ServeSettings | None = None) -> FastAPI:
    """The FastAPI app; the job store, recovery, sweep and worker processes start with its lifespan.

    Creating it locks the data dir (released at shutdown or when the process ends); a second
    server on the same data dir raises :class:`MuseforgeError`.
    """
    settings = settings or ServeSettings()
    import_kind_modules(settings.kind_modules)
    store = JobStore(settings.data_dir)
    lock = _lock_data_dir(store.data_dir)  # two servers on one store would "recover" each other's jobs
    supervisor = Supervisor(store, settings)
    kinds = job_kinds.kinds()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        threading.Thread(target=_warm_up, name="museforge-warm-up", daemon=True).start()
        requeued, failed = store.recover(settings.max_attempts)
        log.info("job store %s: %d job(s) re-queued, %d marked failed after the last stop",
                 store.db_path, len(requeued), len(failed))
        supervisor.start()
        yield
        await run_in_threadpool(supervisor.stop)
        lock.close()

    app = FastAPI(title="museforge", version="0.1.0", lifespan=lifespan,
                  description="AI music and sound effects on a CPU: submit jobs, poll or stream progress, "
                              "download finished files.")
    app.state.store, app.state.supervisor, app.state.settings = store, supervisor, settings
    app.add_middleware(BodyLimit, settings=settings)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError):
        errors = [{"field": _field(e["loc"]), "message": e["msg"], "type": e["type"]} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)

    @app.exception_handler(MuseforgeError)
    async def on_user_error(request: Request, exc: MuseforgeError):
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal server error (logged on the server)"}, status_code=500)

    bearer = HTTPBearer(auto_error=False, description="needed when the server was started with a token")

    async def require_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
        # async: a constant-time compare needs no worker thread (a sync dependency costs a thread hop per call)
        if settings.token is None:
            return
        if credentials is None or not secrets.compare_digest(credentials.credentials.encode(), settings.token.encode()):
            raise HTTPException(401, "missing or wrong API token; send 'Authorization: Bearer <token>'",
                                headers={"WWW-Authenticate": "Bearer"})

    v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_token)])

    def job_or_404(job_id: str) -> dict:
        row = store.get(job_id) if valid_id(job_id) else None
        if row is None:
            raise HTTPException(404, f"no job with id {job_id!r}")
        return row

    def view(row: dict) -> dict:
        files = [{**f, "url": f"/v1/jobs/{row['id']}/files/{quote(f['name'])}"} for f in store.files(row["id"])]
        expires = row["finished_at"] + settings.retention_s if row["finished_at"] else None
        keys = ("id", "kind", "status", "progress", "message", "error", "attempts", "created_at", "started_at",
                "finished_at")
        return {**{k: row[k] for k in keys}, "expires_at": expires, "request": json.loads(row["request"]),
                "info": json.loads(row["info"]), "files": files}

    models = tuple(kind.model for kind in kinds.values())
    JobBody = Annotated[Union[models], Field(discriminator="kind")] if len(models) > 1 else models[0]  # noqa: UP007

    def submit_job(body: JobBody, response: Response) -> dict:
        """Queue a job. 202 with its id; 429 (with Retry-After) when the queue is full."""
        for field, text in _strings(body.model_dump()):
            if len(text) > settings.max_prompt_chars:
                return _validation_error(field, f"at most {settings.max_prompt_chars} characters (server limit), "
                                                f"got {len(text)}")
        kind, info = kinds[body.kind], {}
        if kind.check is not None:
            body, info = kind.check(body, store.get_upload, settings.max_duration_s)
        if body.variations > settings.max_variations:
            return _validation_error("variations", f"at most {settings.max_variations} per job (server limit), "
                                                   f"got {body.variations}")
        duration_s = getattr(body, "duration_s", None)
        if duration_s is not None and duration_s > settings.max_duration_s:
            return _validation_error("duration_s", f"at most {settings.max_duration_s:g} s (server limit), "
                                                   f"got {duration_s:g}")
        if body.seed is None:  # chosen here so the job record (and a re-run after a restart) is reproducible
            body = body.model_copy(update={"seed": secrets.randbelow(2**31)})
        try:
            job_id = store.submit(body.kind, body.model_dump(mode="json"), settings.max_queued, info)
        except QueueFull:
            return JSONResponse({"detail": f"the queue is full ({settings.max_queued} jobs waiting); retry later"},
                                status_code=429, headers={"Retry-After": str(settings.retry_after_s)})
        response.headers["Location"] = f"/v1/jobs/{job_id}"
        return view(store.get(job_id))

    v1.add_api_route("/jobs", submit_job, methods=["POST"], status_code=202, response_model=JobView,
                     responses={422: {"description": "a field is wrong; detail names it and what is allowed"},
                                429: {"description": "queue full; see Retry-After"}, 413: {"description": "too big"}})

    @v1.get("/jobs", response_model=list[JobView])
    def list_jobs(status: Literal["queued", "running", "done", "failed", "cancelled"] | None = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict]:
        """Most recent jobs first."""
        return [view(row) for row in store.list_jobs(status, limit)]

    @v1.get("/jobs/{job_id}", response_model=JobView)
    def get_job(job_id: str) -> dict:
        """Status, progress (0..1), error and the result files of one job."""
        return view(job_or_404(job_id))

    def cancel(job_id: str) -> dict:
        job_or_404(job_id)
        cancelled, status = store.cancel(job_id)
        if not cancelled:
            raise HTTPException(409, f"job {job_id} is already {status}; only queued or running jobs can be cancelled")
        return view(store.get(job_id))

    @v1.post("/jobs/{job_id}/cancel", response_model=JobView)
    def cancel_job(job_id: str) -> dict:
        """Cancel a queued or running job (a running one's worker process is stopped)."""
        return cancel(job_id)

    @v1.delete("/jobs/{job_id}", response_model=JobView)
    def delete_job(job_id: str) -> dict:
        """Same as cancel; finished jobs are removed only by the logged retention sweep."""
        return cancel(job_id)

    @v1.get("/jobs/{job_id}/files/{name}", response_class=FileResponse)
    def download(job_id: str, name: str):
        """A result file, by a name from the job's own file listing."""
        path = store.file_path(job_id, name) if valid_id(job_id) else None
        if path is None:
            raise HTTPException(404, f"job {job_id!r} has no file named {name!r}; see the job's files list")
        media = next((f["media_type"] for f in store.files(job_id) if f["name"] == name), None)
        return FileResponse(path, media_type=media, filename=name)

    @v1.get("/jobs/{job_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
    async def job_events(job_id: str, request: Request):
        """Server-sent events: ``status`` whenever progress or status changes, then one final event named
        after the end state (``done``, ``failed`` or ``cancelled``), then the stream closes."""
        await run_in_threadpool(job_or_404, job_id)

        async def stream():
            last = None
            while True:
                row = await run_in_threadpool(store.get, job_id)
                if row is None:
                    yield "event: gone\ndata: {}\n\n"
                    return
                state = (row["status"], round(row["progress"], 4), row["message"])
                if state != last:
                    last = state
                    data = json.dumps(await run_in_threadpool(view, row))
                    name = row["status"] if row["status"] in FINISHED else "status"
                    yield f"event: {name}\ndata: {data}\n\n"
                if row["status"] in FINISHED or await request.is_disconnected():
                    return
                await asyncio.sleep(settings.poll_interval_s)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @v1.post("/uploads", status_code=201, response_model=UploadView,
             openapi_extra={"requestBody": {"required": True, "content": {"application/octet-stream": {
                 "schema": {"type": "string", "format": "binary"}}}}})
    async def upload(request: Request, kind: Literal["midi", "audio"]) -> dict:
        """Upload a MIDI file (arrange/render) or an audio reference as the raw request body.

        The file is parsed in a worker process with a timeout before it is accepted; refer to it
        in a job by the returned id.
        """
        upload_id = new_id()
        part = store.upload_part_path(upload_id)
        final = part.with_suffix(".mid" if kind == "midi" else ".audio")
        try:
            with open(part, "wb") as fh:
                async for chunk in request.stream():
                    fh.write(chunk)
            if part.stat().st_size == 0:
                raise HTTPException(422, "the upload is empty; send the file as the request body")
            part.rename(final)
            try:
                info = await asyncio.wrap_future(supervisor.check_upload(kind, final))
            except MuseforgeError as exc:
                raise HTTPException(422, f"file: {exc}") from None
            except concurrent.futures.TimeoutError:
                raise HTTPException(422, f"file: parsing took longer than {settings.upload_check_timeout_s:g} s; "
                                         "rejected") from None
            except Exception as exc:  # pebble.ProcessExpired: the parser crashed on this file
                log.warning("upload %s: checker failed: %r", upload_id, exc)
                raise HTTPException(422, f"file: the {kind} parser failed on this file; rejected") from None
            return await run_in_threadpool(store.add_upload, upload_id, kind, final, info)
        except BaseException:
            part.unlink(missing_ok=True)
            final.unlink(missing_ok=True)
            raise

    @v1.get("/kinds")
    def list_kinds() -> dict:
        """Job kinds with the JSON schema of their requests; a kind this server cannot run now (e.g. compose
        without composer weights) carries ``x-unavailable``: the reason, which a submission also gets."""
        out = {}
        for name, kind in kinds.items():
            schema, reason = kind.model.model_json_schema(), kind.why_unavailable()
            out[name] = schema if reason is None else {**schema, "x-unavailable": reason}
        return out

    @v1.get("/limits")
    def limits() -> dict:
        """The server's limits (the token itself is never shown)."""
        return settings.to_json() | {"data_dir": None, "queue": store.counts()}

    @v1.get("/sweeps")
    def sweeps(limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
        """What the retention sweep deleted, newest first."""
        return store.sweep_log(limit)

    v1.include_router(studio_router(store, settings.max_prompt_chars))
    app.include_router(v1)
    app.mount("/static", StaticFiles(directory=WEB_INDEX.parent), name="studio-static")

    @app.get("/healthz")
    async def healthz() -> dict:
        """Liveness: a plain endpoint (also the load benchmark's baseline)."""
        return {"ok": True}

    @app.get("/", include_in_schema=False)
    async def root():
        """Hook for the web studio: its page when installed, else where the API lives."""
        if WEB_INDEX.is_file():
            return FileResponse(WEB_INDEX)
        return {"name": "museforge", "api": "/v1", "openapi": "/openapi.json", "docs": "/docs"}

    return app


def _lock_data_dir(data_dir: Path):
    """Hold an exclusive lock on the data dir while serving (the kernel drops it if the process dies)."""
    import fcntl
    import os

    handle = open(data_dir / "server.lock", "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "?"
        handle.close()
        raise MuseforgeError(f"the data dir {data_dir} is in use by another museforge server (pid {owner}); "
                             "stop it or choose another --data-dir") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _warm_up() -> None:
    """Load the recipe registry, the prompt reader and (on a server that can compose) the composer's request
    code in the background, so the first request does not wait."""
    from museforge.prompt import understand
    from museforge.serve.job_compose import warm_up
    from museforge.sfx.recipe import recipe_names

    recipe_names()
    understand("rain")
    warm_up()


def _strings(value, path: str = ""):
    """(field path, text) for every string in a request, for the prompt-length limit."""
    if isinstance(value, str):
        yield path or "body", value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, f"{path}.{key}".lstrip("."))
            yield from _strings(item, f"{path}.{key}".lstrip("."))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}".lstrip("."))
