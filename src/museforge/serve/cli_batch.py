"""`museforge batch FILE.json|FILE.csv`: run many requests (sfx, compose, arrange, render) from a file.

Thin adapter over :mod:`museforge.batch`. Exit codes: 0 all requests done, 1 some failed (each is
reported with its row, field and message; the others still ran), 2 the file itself is unusable.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from museforge.serve.cli_common import JSON_OPTION, print_json, progress_bar


def batch_command(
    requests: Path = typer.Argument(..., help="a .json list of request objects or a .csv with a 'kind' column"),
    out: Path = typer.Option(Path("out/batch"), "--out", "-o", help="folder for every file and the manifest"),
    checkpoint: Path = typer.Option(None, help="composer checkpoint for compose requests that name none"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Run every request of a file; write files, sidecars and batch_manifest.json into --out.

    Each request has a kind (sfx, compose, arrange, render) and its fields, e.g. a CSV:

      kind,recipe,preset,seconds,seed,variations,melody,style
      sfx,rain,heavy roof,5,7,2,,
      arrange,,,,1,,tune.mid,folk

    Example: museforge batch requests.csv --out out/level1 --json
    """
    from museforge.batch import load_requests, run_batch

    rows = load_requests(requests)  # a malformed file: MuseforgeError -> exit 2
    with progress_bar(len(rows), f"{len(rows)} requests") as advance:
        def on_row(result) -> None:
            if not as_json:
                _report(result)
            advance()

        manifest = run_batch(rows, out, base_dir=requests.resolve().parent, checkpoint=checkpoint, on_row=on_row)
    if as_json:
        print_json(manifest)
    else:
        print(f"{manifest['n_ok']} of {manifest['n_requests']} requests done, {manifest['n_failed']} failed, "
              f"in {manifest['seconds']:.1f} s; manifest: {manifest['manifest']}")
    if manifest["n_failed"]:
        raise typer.Exit(1)


def _report(result) -> None:
    """One line per request as it finishes: files and seeds on stdout, a failure on stderr."""
    if result.ok:
        seeds = ", ".join(str(s) for s in result.seeds)
        print(f"row {result.row} {result.kind}: {len(result.files)} files, seed={seeds}")
        for path in result.files:
            if not path.endswith(".json"):
                print(f"  {path}")
    else:
        print(f"row {result.row} failed: {result.error_field or '-'}: {result.error}", file=sys.stderr)
