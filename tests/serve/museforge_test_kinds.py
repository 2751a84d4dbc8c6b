"""Job kinds for the server tests only, loaded with ``--kind-module museforge_test_kinds``.

They exercise the worker's failure paths with real processes: a job that takes a known time
(progress steps), one whose process dies, one that never ends (timeout).
"""

from __future__ import annotations

import os
import time
from typing import Literal

from pydantic import Field

from museforge.serve.job_kinds import JobRequest, job_kind


class SleepRequest(JobRequest):
    kind: Literal["test_sleep"]
    seconds: float = Field(1.0, ge=0, le=600)
    steps: int = Field(5, ge=1, le=100)


@job_kind("test_sleep", SleepRequest)
def run_sleep(request: SleepRequest, ctx):
    for step in range(request.steps):
        ctx.progress(step / request.steps, f"step {step + 1} of {request.steps} in pid {os.getpid()}")
        time.sleep(request.seconds / request.steps)
    path = ctx.out_dir / "slept.txt"
    path.write_text(f"slept {request.seconds} s in {request.steps} steps, pid {os.getpid()}\n")
    return [path]


class CrashRequest(JobRequest):
    kind: Literal["test_crash"]
    exit_code: int = Field(7, ge=1, le=100)


@job_kind("test_crash", CrashRequest)
def run_crash(request: CrashRequest, ctx):
    ctx.progress(0.5, "about to die")
    os._exit(request.exit_code)
