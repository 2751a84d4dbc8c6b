"""Many requests from one file: sound effects, compositions, arrangements and renders, with a manifest.

A request file is JSON (a list of objects, or ``{"requests": [...]}``) or CSV (a header row, one
request per row, empty cells left out). Every request has a ``kind`` and that kind's fields::

    sfx       recipe (a name or a prompt), preset, seconds, loop, seed, variations, spread, sample_rate,
              channels, normalize, level_db, format; any other field is a recipe parameter (intensity=0.8)
    compose   prompt, or controls: style, mood, key ("D minor"), tempo_bpm, time_signature, bars,
              duration_s, instruments, exclude, density, chords; seed, form, temperature, top_k, top_p,
              keep_in_key, checkpoint; render, loudness, format
    arrange   melody (a file), style, chords, key, tempo_bpm, seed, repeats, intro_bars, outro_bars,
              melody_track, tune; render, loudness, format
    render    midi (a file), loudness, sample_rate, channels, duration_s, style, format

Lists (instruments, chords) are JSON lists or, in CSV, text split at ``|`` or ``,``. File paths are
relative to the request file. Each request is run through the public API (:mod:`museforge.api`);
sound effects are written with :func:`museforge.sfx.batch.export_batch` (UCS names), everything
else with sidecars by :mod:`museforge.export`. One failing request is recorded with its row number,
the field at fault and the message, and the others still run; a malformed file fails as a whole.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from museforge.errors import MuseforgeError, check_choice

KINDS = ("sfx", "compose", "arrange", "render")
MAX_REQUESTS = 10_000
MANIFEST = "batch_manifest.json"
_COMMON = {"kind", "seed", "format"}
FIELDS: dict[str, set[str] | None] = {  # None: any other field is a recipe parameter
    "sfx": None,
    "compose": _COMMON | {"prompt", "style", "mood", "key", "tempo_bpm", "time_signature", "bars", "duration_s",
                          "instruments", "exclude", "density", "chords", "form", "temperature", "top_k", "top_p",
                          "keep_in_key", "checkpoint", "render", "loudness"},
    "arrange": _COMMON | {"melody", "style", "chords", "key", "tempo_bpm", "repeats", "intro_bars", "outro_bars",
                          "melody_track", "tune", "render", "loudness"},
    "render": _COMMON | {"midi", "loudness", "sample_rate", "channels", "duration_s", "style"},
}
_SFX_FIELDS = _COMMON | {"recipe", "preset", "seconds", "loop", "variations", "spread", "sample_rate", "channels",
                         "normalize", "level_db"}
_INT = {"seed", "variations", "sample_rate", "channels", "bars", "top_k", "repeats", "intro_bars", "outro_bars",
        "melody_track", "tune"}
_FLOAT = {"seconds", "spread", "level_db", "tempo_bpm", "duration_s", "temperature", "top_p"}
_BOOL = {"loop", "render", "keep_in_key"}
_LIST = {"instruments", "exclude", "chords"}
_REQUIRED = {"sfx": "recipe", "arrange": "melody", "render": "midi"}


@dataclass
class RowResult:
    """What one request did: its files and seeds, or the field at fault and why."""

    row: int
    kind: str | None
    files: list[str] = field(default_factory=list)
    seeds: list[int | None] = field(default_factory=list)
    error_field: str | None = None
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict:
        out = {"row": self.row, "kind": self.kind, "status": "ok" if self.ok else "failed", "files": self.files,
               "seeds": self.seeds, "seconds": round(self.seconds, 3)}
        if not self.ok:
            out["error"] = {"field": self.error_field, "message": self.error}
        return out


class RowError(MuseforgeError):
    """A bad value in one request: which field, and what is wrong with it."""

    def __init__(self, field_name: str | None, message: str):
        super().__init__(message)
        self.field = field_name


# --- reading the file ---------------------------------------------------------------------------

def load_requests(path: str | Path) -> list[dict]:
    """The requests of a JSON or CSV file, as dicts (CSV: empty cells dropped, values still text).

    Raises:
        MuseforgeError: The file is missing, unreadable, empty, or not a list of requests.
    """
    path = Path(path)
    if not path.is_file():
        raise MuseforgeError(f"request file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise MuseforgeError(f"request file must be .json or .csv, got {path.name}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MuseforgeError(f"cannot read {path.name} as UTF-8 text ({exc})") from None
    rows = _json_rows(text, path.name) if suffix == ".json" else _csv_rows(text, path.name)
    if not rows:
        raise MuseforgeError(f"{path.name} holds no requests")
    if len(rows) > MAX_REQUESTS:
        raise MuseforgeError(f"{path.name} holds {len(rows)} requests; at most {MAX_REQUESTS} per file")
    return rows


def _json_rows(text: str, name: str) -> list[dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MuseforgeError(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") \
            from None
    if isinstance(data, Mapping) and "requests" in data:
        data = data["requests"]
    if not isinstance(data, list):
        raise MuseforgeError(f"{name} must hold a list of request objects (or {{\"requests\": [...]}})")
    for k, item in enumerate(data, 1):
        if not isinstance(item, Mapping):
            raise MuseforgeError(f"{name}: request {k} must be an object with a \"kind\", got {item!r}")
    return [dict(item) for item in data]


def _csv_rows(text: str, name: str) -> list[dict]:
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = reader.fieldnames or []
        if "kind" not in [h.strip() for h in header]:
            raise MuseforgeError(f"{name} needs a header row with a \"kind\" column, got {header}")
        rows = []
        for raw in reader:
            if None in raw:
                raise MuseforgeError(f"{name} line {reader.line_num}: more cells than header columns")
            rows.append({k.strip(): v.strip() for k, v in raw.items() if v is not None and v.strip()})
    except csv.Error as exc:
        raise MuseforgeError(f"{name} is not valid CSV: {exc}") from None
    return rows


# --- checking one request -----------------------------------------------------------------------

def check_request(raw: Mapping[str, object]) -> tuple[str, dict]:
    """(kind, typed fields) of one request; a :class:`RowError` names the first bad field."""
    kind = raw.get("kind")
    if kind is None:
        raise RowError("kind", f"missing kind; valid: {', '.join(KINDS)}")
    try:
        check_choice("kind", kind, KINDS)
    except MuseforgeError as exc:
        raise RowError("kind", str(exc)) from None
    allowed = FIELDS[kind]
    out: dict = {}
    for name, value in raw.items():
        if name == "kind":
            continue
        if allowed is not None and name not in allowed:
            raise RowError(name, f"unknown field {name!r} for kind {kind}; valid: {', '.join(sorted(allowed))}")
        out[name] = _typed(name, value, recipe_param=kind == "sfx" and name not in _SFX_FIELDS)
    needed = _REQUIRED.get(kind)
    if needed and needed not in out:
        raise RowError(needed, f"a {kind} request needs {needed!r}")
    return kind, out


def _typed(name: str, value: object, *, recipe_param: bool) -> object:
    """A CSV cell or JSON value as the type the field takes."""
    if recipe_param:
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                return value
        return value
    try:
        if name in _BOOL:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "y"):
                return True
            if text in ("0", "false", "no", "n"):
                return False
            raise ValueError
        if name in _INT:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if name in _FLOAT:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if name in _LIST:
            if isinstance(value, str):
                return [x.strip() for x in value.replace("|", ",").split(",") if x.strip()]
            if isinstance(value, list) and all(isinstance(x, str) for x in value):
                return value
            raise ValueError
    except (TypeError, ValueError):
        what = {**dict.fromkeys(_BOOL, "true or false"), **dict.fromkeys(_INT, "a whole number"),
                **dict.fromkeys(_FLOAT, "a number"), **dict.fromkeys(_LIST, "a list of names")}[name]
        raise RowError(name, f"{name} must be {what}, got {value!r}") from None
    return value


# --- running ------------------------------------------------------------------------------------

def run_batch(requests: list[dict], out_dir: str | Path, *, base_dir: str | Path = ".",
              checkpoint: str | Path | None = None,
              on_row: Callable[[RowResult], None] | None = None) -> dict:
    """Run every request, write the files and ``batch_manifest.json`` into ``out_dir``.

    Args:
        requests: From :func:`load_requests` (or dicts built in code).
        out_dir: Output folder (created if missing); taken names get ``-2``, ``-3`` ...
        base_dir: Where relative ``melody``/``midi`` paths are found (the request file's folder).
        checkpoint: Composer checkpoint for compose requests that name none.
        on_row: Called after each request (progress bars, live output).

    Returns:
        The manifest: counts, and per request its status, files, seeds and any error.
    """
    out_dir, base_dir = Path(out_dir), Path(base_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started, results = time.perf_counter(), []
    for number, raw in enumerate(requests, 1):
        t0 = time.perf_counter()
        result = RowResult(number, raw.get("kind") if isinstance(raw.get("kind"), str) else None)
        try:
            kind, fields = check_request(raw)
            runner = {"sfx": _run_sfx, "compose": _run_compose, "arrange": _run_arrange, "render": _run_render}[kind]
            result.files, result.seeds = runner(fields, out_dir, base_dir, checkpoint)
        except RowError as exc:
            result.error_field, result.error = exc.field, str(exc)
        except MuseforgeError as exc:
            result.error_field, result.error = _field_named(str(exc), raw), str(exc)
        result.seconds = time.perf_counter() - t0
        results.append(result)
        if on_row is not None:
            on_row(result)
    manifest = {"created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "n_requests": len(results), "n_ok": sum(r.ok for r in results),
                "n_failed": sum(not r.ok for r in results), "seconds": round(time.perf_counter() - started, 3),
                "requests": [r.to_dict() for r in results]}
    from museforge.sfx.batch import free_path

    path = free_path(out_dir / MANIFEST, "rename")
    path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return {**manifest, "manifest": str(path)}


def _field_named(message: str, raw: Mapping[str, object]) -> str | None:
    """The request field a library error is about: the first field name the message mentions."""
    import re

    for name in raw:
        if name != "kind" and re.search(rf"\b{re.escape(name)}\b", message):
            return name
    return None


def _path(fields: dict, name: str, base_dir: Path) -> Path:
    path = Path(str(fields[name]))
    path = path if path.is_absolute() else base_dir / path
    if not path.is_file():
        raise RowError(name, f"{name} file not found: {path}")
    return path


def _seed(value: object) -> int:
    return 0 if value is None else value


def _run_sfx(fields: dict, out_dir: Path, _base: Path, _ckpt) -> tuple[list[str], list[int]]:
    from museforge.api import sfx
    from museforge.sfx.batch import FORMATS, export_batch
    from museforge.sfx.recipe import get_recipe

    fmt = check_choice("format", fields.pop("format", "wav"), FORMATS)
    known = {k: fields.pop(k) for k in list(fields) if k in _SFX_FIELDS}
    made = sfx(known.pop("recipe"), preset=known.get("preset"), seconds=known.get("seconds"),
               loop=known.get("loop", False), seed=known.get("seed"), sample_rate=known.get("sample_rate", 48_000),
               variations=known.get("variations"), spread=known.get("spread", 0.1),
               n_channels=known.get("channels"), normalize=known.get("normalize"), level_db=known.get("level_db"),
               **fields)
    sounds = made if isinstance(made, list) else [made]
    items = []
    for sound in sounds:
        prov = sound.provenance
        fx_name = prov.get("preset") or prov["recipe"].replace("_", " ")
        items.append((sound.audio, get_recipe(prov["recipe"]).ucs_cat_id, fx_name, prov["seed"]))
    paths = export_batch(items, out_dir, ext=fmt, on_exists="rename",
                         sidecars=[sound.provenance for sound in sounds])
    files = [name for p in paths for name in (str(p), f"{p}.json")]  # each sound, then its sidecar
    return files, [s.provenance["seed"] for s in sounds]


def _save_piece(piece, fields: dict, out_dir: Path) -> list[str]:
    if fields.get("render"):
        piece.render(loudness=fields.get("loudness", "streaming"))
    return [str(p) for p in piece.save(out_dir, fmt=fields.get("format", "wav"))]


def _run_compose(fields: dict, out_dir: Path, base_dir: Path, checkpoint) -> tuple[list[str], list[int]]:
    from museforge.api import compose

    if "checkpoint" in fields:  # a row's checkpoint, like its files, is relative to the request file
        checkpoint = Path(str(fields["checkpoint"]))
        checkpoint = checkpoint if checkpoint.is_absolute() else base_dir / checkpoint

    if "prompt" in fields:
        controls_fields = sorted(set(fields) & {"style", "mood", "key", "tempo_bpm", "time_signature", "bars",
                                                "duration_s", "instruments", "exclude", "density", "chords"})
        if controls_fields:
            raise RowError(controls_fields[0], "give either a prompt or controls (style, key, ...), not both")
        request: object = fields["prompt"]
    else:
        request = {k: v for k, v in fields.items() if k in {"style", "mood", "tempo_bpm", "time_signature",
                                                            "duration_s", "instruments", "exclude", "density",
                                                            "chords"}}
        if "bars" in fields:
            request["n_bars"] = fields["bars"]
        if "key" in fields:
            parts = str(fields["key"]).split()
            if not 1 <= len(parts) <= 2:
                raise RowError("key", f"key must look like 'D', 'D minor' or 'F# major', got {fields['key']!r}")
            request["tonic"] = parts[0]
            if len(parts) == 2:
                request["mode"] = parts[1]
    piece = compose(request, seed=fields.get("seed"), checkpoint=checkpoint,
                    temperature=fields.get("temperature", 1.0), top_k=fields.get("top_k", 0),
                    top_p=fields.get("top_p", 0.95), keep_in_key=fields.get("keep_in_key", False),
                    form=fields.get("form"))
    return _save_piece(piece, fields, out_dir), [piece.provenance["seed"]]


def _run_arrange(fields: dict, out_dir: Path, base_dir: Path, _ckpt) -> tuple[list[str], list[int]]:
    from museforge.api import arrange

    if "style" not in fields:
        raise RowError("style", "an arrange request needs a style")
    piece = arrange(_path(fields, "melody", base_dir), fields["style"], chords=fields.get("chords"),
                    seed=_seed(fields.get("seed")), repeats=fields.get("repeats", 1),
                    intro_bars=fields.get("intro_bars", 0), outro_bars=fields.get("outro_bars", 0),
                    tempo_bpm=fields.get("tempo_bpm"), key=fields.get("key"),
                    melody_track=fields.get("melody_track"), tune=fields.get("tune", 0))
    return _save_piece(piece, fields, out_dir), [piece.provenance["seed"]]


def _run_render(fields: dict, out_dir: Path, base_dir: Path, _ckpt) -> tuple[list[str], list[int | None]]:
    """A MIDI file to mastered audio; the seed is the one recorded in the file's sidecar, if any."""
    from museforge.api import Piece
    from museforge.export import sidecar_seed
    from museforge.music.rework import load_score

    path = _path(fields, "midi", base_dir)
    score = load_score(path)
    seed = fields.get("seed", sidecar_seed(path))
    piece = Piece(score, {"kind": "render", "style": fields.get("style", "render"), "seed": seed,
                          "source_score": path.name})
    sound = piece.render(loudness=fields.get("loudness", "streaming"),
                         sample_rate=fields.get("sample_rate", 44_100), n_channels=fields.get("channels", 2),
                         duration_s=fields.get("duration_s"))
    return [str(p) for p in sound.save(out_dir, fields.get("format", "wav"))], [seed]
