"""Limits and locations of the HTTP server, all configurable, all checked when loaded.

One frozen dataclass (DESIGN style 2): defaults next to a short comment; built from keyword
arguments (the CLI), a JSON file, or ``MUSEFORGE_*`` environment variables. A bad value raises
:class:`MuseforgeError` naming the setting and its allowed range.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from museforge.errors import MuseforgeError, check_range

# setting -> (low, high); every numeric limit is checked against these when settings are built.
_RANGES: dict[str, tuple[float, float]] = {
    "max_duration_s": (0.1, 3600.0),
    "max_variations": (1, 1000),
    "max_prompt_chars": (1, 100_000),
    "max_upload_bytes": (1024, 1 << 30),
    "max_json_bytes": (1024, 1 << 24),
    "max_queued": (1, 100_000),
    "retry_after_s": (1, 3600),
    "n_workers": (1, 64),
    "job_timeout_s": (0.5, 86_400.0),
    "upload_check_timeout_s": (0.5, 600.0),
    "max_attempts": (1, 10),
    "retention_s": (60.0, 10 * 365 * 86_400.0),
    "sweep_interval_s": (1.0, 86_400.0),
    "poll_interval_s": (0.01, 5.0),
}
_INTS = ("max_variations", "max_prompt_chars", "max_upload_bytes", "max_json_bytes", "max_queued",
         "retry_after_s", "n_workers", "max_attempts")


@dataclass(frozen=True)
class ServeSettings:
    """Where the server keeps its state and what it accepts.

    Attributes:
        data_dir: SQLite database, uploads and job outputs live here (created if missing).
        token: if set, every /v1 call needs ``Authorization: Bearer <token>``.
        kind_modules: extra modules to import that register job kinds (plugins, tests).
    """

    data_dir: Path = Path("museforge-data")
    token: str | None = None
    max_duration_s: float = 600.0  # longest sound or piece one request may ask for
    max_variations: int = 16  # batch size: variations per job
    max_prompt_chars: int = 2_000  # free-text fields (prompts, titles)
    max_upload_bytes: int = 4 << 20  # MIDI / audio reference uploads; larger -> 413 before reading it all
    max_json_bytes: int = 64 << 10  # a job request body
    max_queued: int = 64  # queued jobs; one more -> 429 with Retry-After
    retry_after_s: int = 10  # the Retry-After a full queue answers with
    n_workers: int = 1  # jobs running at once, each in its own worker process
    job_timeout_s: float = 900.0  # a job running longer is killed and marked failed
    upload_check_timeout_s: float = 10.0  # parsing an upload in a subprocess; longer -> rejected
    max_attempts: int = 2  # a job interrupted by a server stop is re-run until this many starts
    retention_s: float = 7 * 86_400.0  # finished jobs and their files are swept after this long
    sweep_interval_s: float = 3_600.0  # how often the (logged) retention sweep runs
    poll_interval_s: float = 0.1  # supervisor and event-stream polling
    kind_modules: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        object.__setattr__(self, "kind_modules", tuple(self.kind_modules))
        for name, (low, high) in _RANGES.items():
            value = check_range(name, getattr(self, name), low, high)
            if name in _INTS:
                if value != int(value):
                    raise MuseforgeError(f"{name} must be a whole number in [{low}, {high}], got {value}")
                value = int(value)
            object.__setattr__(self, name, value)
        if self.token is not None and (len(self.token) < 8 or not self.token.isprintable() or " " in self.token):
            raise MuseforgeError("token must be at least 8 printable characters without spaces")

    @property
    def db_path(self) -> Path:
        return self.data_dir / "jobs.sqlite3"

    def to_json(self) -> dict:
        """Public view (the token itself is never echoed)."""
        out = asdict(self)
        out["data_dir"] = str(self.data_dir)
        out["token"] = "set" if self.token else None
        out["kind_modules"] = list(self.kind_modules)
        return out

    @classmethod
    def load(cls, path: str | Path | None = None, **overrides) -> ServeSettings:
        """Defaults <- JSON file <- ``MUSEFORGE_<NAME>`` environment <- ``overrides`` (None = unset)."""
        known = {f.name: f for f in fields(cls)}
        values: dict = {}
        if path is not None:
            try:
                loaded = json.loads(Path(path).read_text())
            except (OSError, ValueError) as exc:
                raise MuseforgeError(f"cannot read settings file {path}: {exc}") from None
            if not isinstance(loaded, dict):
                raise MuseforgeError(f"settings file {path} must hold a JSON object")
            values.update(loaded)
        for name in known:
            raw = os.environ.get(f"MUSEFORGE_{name.upper()}")
            if raw is not None:
                values[name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise MuseforgeError(f"unknown settings {unknown}; valid: {', '.join(known)}")
        return cls(**{name: _coerce(name, value) for name, value in values.items()})


def _coerce(name: str, value):
    """Environment values arrive as text: numbers and comma lists are parsed here."""
    if not isinstance(value, str):
        return value
    if name in _RANGES:
        try:
            return float(value)
        except ValueError:
            raise MuseforgeError(f"{name} must be a number, got {value!r}") from None
    if name == "kind_modules":
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value
