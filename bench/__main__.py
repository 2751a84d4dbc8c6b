"""`python -m bench [--quick] [NAME ...]`: run benchmarks, write bench/results/<name>.json, print a table."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback
from pathlib import Path

from bench.common import write_result

NOT_BENCHMARKS = {"common", "__main__"}


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name not in NOT_BENCHMARKS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all): {', '.join(available())}")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, for a smoke run")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(available()))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; valid: {', '.join(available())}")
    rows, failed = [], 0
    for name in args.names or available():
        try:
            res = importlib.import_module(f"bench.{name}").run(quick=args.quick)
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed += 1
            rows.append((name, "FAILED", "", "", "", ""))
            continue
        write_result(res)
        ratio = f"{res['ratio']:.2f}x" if res["ratio"] is not None else "-"
        rows.append((res["name"], res["metric"], _fmt(res["ours"]), _fmt(res["peer"]), ratio, res["unit"]))
    _print_table(rows)
    return 1 if failed else 0


def _fmt(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, (int, float)) else str(value if value is not None else "-")


def _print_table(rows: list[tuple]) -> None:
    header = ("benchmark", "metric", "ours", "peer", "ours/peer", "unit")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))


if __name__ == "__main__":
    sys.exit(main())
