"""`museforge serve ...`: run the HTTP API (FastAPI + uvicorn) with its persistent job store.

Examples:
    museforge serve --port 8000 --data-dir ./museforge-data
    museforge serve --host 0.0.0.0 --token "$MUSEFORGE_TOKEN" --max-queued 100 --n-workers 2
    museforge serve sweep --data-dir ./museforge-data --retention-s 86400
"""

from __future__ import annotations

from pathlib import Path

import typer

from museforge.errors import MuseforgeError
from museforge.serve.cli_common import run

app = typer.Typer(help="HTTP API with persistent jobs (submit, poll, stream progress, download, cancel).",
                  add_completion=False, invoke_without_command=True)

DATA_DIR = typer.Option(None, "--data-dir", help="database, uploads and results (default ./museforge-data)")
CONFIG = typer.Option(None, "--config", help="JSON file of settings (see GET /v1/limits for the names)")


@app.callback()
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="interface to bind; loopback by default"),
    port: int = typer.Option(8000, help="TCP port"),
    data_dir: Path = DATA_DIR,
    token: str = typer.Option(None, envvar="MUSEFORGE_TOKEN", help="require 'Authorization: Bearer <token>'"),
    config: Path = CONFIG,
    max_duration_s: float = typer.Option(None, help="longest sound or piece per request"),
    max_variations: int = typer.Option(None, help="variations per job (batch size)"),
    max_prompt_chars: int = typer.Option(None, help="characters per free-text field"),
    max_upload_bytes: int = typer.Option(None, help="bytes per upload (413 above)"),
    max_queued: int = typer.Option(None, help="queued jobs before 429"),
    n_workers: int = typer.Option(None, help="jobs running at once (one process each)"),
    job_timeout_s: float = typer.Option(None, help="a job running longer is stopped and marked failed"),
    max_attempts: int = typer.Option(None, help="starts per job; jobs interrupted by a stop are re-run until then"),
    retention_s: float = typer.Option(None, help="finished jobs are swept (logged) after this long"),
    kind_module: list[str] = typer.Option([], "--kind-module", help="module registering extra job kinds"),
    log_level: str = typer.Option("info", help="debug, info, warning or error"),
) -> None:
    """Run the server (without a sub-command)."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"data_dir": data_dir, "config": config}
        return
    import uvicorn

    from museforge.serve.http import create_app
    from museforge.serve.settings import ServeSettings

    if not 1 <= port <= 65_535:
        raise MuseforgeError(f"--port must be in [1, 65535], got {port}")
    settings = ServeSettings.load(config, data_dir=data_dir, token=token, max_duration_s=max_duration_s,
                                  max_variations=max_variations, max_prompt_chars=max_prompt_chars,
                                  max_upload_bytes=max_upload_bytes, max_queued=max_queued, n_workers=n_workers,
                                  job_timeout_s=job_timeout_s, max_attempts=max_attempts, retention_s=retention_s,
                                  kind_modules=tuple(kind_module) or None)
    import logging  # here, not at the top: every other command's cold start would pay for it

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    api = create_app(settings)
    typer.echo(f"museforge API on http://{host}:{port}  data in {settings.data_dir.resolve()}"
               f"{'  (token required)' if settings.token else ''}")
    uvicorn.run(api, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=5)


@app.command()
def sweep(ctx: typer.Context, data_dir: Path = DATA_DIR, config: Path = CONFIG,
          retention_s: float = typer.Option(None, help="override the configured retention")) -> None:
    """Delete finished jobs and unused uploads older than the retention period, listing each one."""
    from museforge.serve.jobs import JobStore
    from museforge.serve.settings import ServeSettings

    settings = ServeSettings.load(config or ctx.obj["config"], data_dir=data_dir or ctx.obj["data_dir"],
                                  retention_s=retention_s)
    if not settings.db_path.is_file():
        raise MuseforgeError(f"no job database in {settings.data_dir}")
    deleted = JobStore(settings.data_dir).sweep(settings.retention_s)
    for item in deleted:
        typer.echo(f"deleted {item}")
    typer.echo(f"{len(deleted)} item(s) deleted (retention {settings.retention_s:g} s)")


def main() -> None:
    """Run this sub-app alone (``python -m museforge.serve.cli_serve``) with the root CLI's error style."""
    run(app)


if __name__ == "__main__":
    main()
