"""`museforge bench [NAME ...]`: run the benchmark runner of a source checkout (``python -m bench``).

The benchmarks compare museforge with peer packages in the same run; they live in ``bench/`` at the
root of the repository and are not part of an installed wheel, so this command looks for that
folder next to the source tree and says so plainly when it is not there.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from museforge.errors import MuseforgeError

# src/museforge/serve/cli_bench.py -> the repository root of a source checkout
CHECKOUT = Path(__file__).resolve().parents[3]


def bench_root(root: Path | None = None) -> Path:
    """The checkout holding ``bench/__main__.py``; a MuseforgeError when museforge runs from a wheel."""
    root = CHECKOUT if root is None else root
    if not (root / "bench" / "__main__.py").is_file():
        raise MuseforgeError(f"benchmarks need a source checkout of museforge (no bench/ folder at {root}); "
                             "clone the repository and run `museforge bench` from an editable install")
    return root


def bench_command(
    names: list[str] = typer.Argument(None, help="benchmarks to run (default: all); see `museforge bench --list`"),
    quick: bool = typer.Option(False, "--quick", help="smaller inputs, for a smoke run"),
    list_: bool = typer.Option(False, "--list", help="print the benchmark names and exit"),
) -> None:
    """Run benchmarks against peer packages; each writes bench/results/<name>.json and a table is printed.

    Example: museforge bench sfx_speed prompt_accuracy --quick
    """
    root = bench_root()
    if list_:
        code = "from bench.__main__ import available; print('\\n'.join(available()))"
        raise typer.Exit(subprocess.run([sys.executable, "-c", code], cwd=root).returncode)
    listing = subprocess.run([sys.executable, "-c", "from bench.__main__ import available; print(*available())"],
                             cwd=root, capture_output=True, text=True)
    known = listing.stdout.split()
    unknown = sorted(set(names or ()) - set(known))
    if listing.returncode == 0 and unknown:
        raise MuseforgeError(f"unknown benchmark(s) {', '.join(unknown)}; valid: {', '.join(known)}")
    args = [sys.executable, "-m", "bench", *(["--quick"] if quick else []), *(names or ())]
    raise typer.Exit(subprocess.run(args, cwd=root).returncode)
