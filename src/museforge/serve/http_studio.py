"""Small read-only routes the web studio needs beyond the job API (mounted under /v1, same token).

    GET  /v1/studio/options           control choices and ranges, recipes with parameter schemas and presets
    POST /v1/studio/prompt            {text} -> what the prompt reader understood (nothing is queued)
    GET  /v1/jobs/{id}/notes/{name}   a job's MIDI file as a JSON note list (the page's piano roll)
    GET  /v1/studio/zip?file=A/x.wav&as=y.wav  chosen result files of jobs in one zip (a piece + its stems)

The page builds its pickers and sliders from these, so a new recipe, style or instrument appears
in the studio without touching the page.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from pydantic import BaseModel, ConfigDict, Field

from museforge.errors import MuseforgeError
from museforge.serve.jobs import JobStore, valid_id

MAX_NOTES = 20_000  # a piano roll of more notes is unreadable anyway; the response stays small
MAX_ZIP_FILES = 64
SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._ -]{0,119}")  # a zip entry name: no folders, no dot files


class PromptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(..., min_length=1, description="free text in English or Chinese")


def studio_router(store: JobStore, max_prompt_chars: int) -> APIRouter:
    """The studio routes over one job store (include it into the token-protected /v1 router)."""
    router = APIRouter()

    @router.get("/studio/options")
    def options() -> dict:
        """Everything the studio's pickers offer: music controls and sound-effect recipes."""
        return studio_options()

    @router.post("/studio/prompt")
    def read_prompt(body: PromptBody) -> dict:
        """Read a prompt into controls without running anything: understood spans, ignored words."""
        if len(body.text) > max_prompt_chars:
            raise HTTPException(422, f"text: at most {max_prompt_chars} characters (server limit), "
                                     f"got {len(body.text)}")
        from museforge.prompt import understand

        try:
            return understand(body.text).to_dict()
        except MuseforgeError as exc:
            raise HTTPException(422, f"text: {exc}") from None

    @router.get("/jobs/{job_id}/notes/{name}")
    async def notes(job_id: str, name: str) -> dict:
        """The notes of a job's MIDI file, in seconds, one list per track (drums flagged)."""
        path = store.file_path(job_id, name) if valid_id(job_id) else None
        if path is None or path.suffix.lower() not in (".mid", ".midi"):
            raise HTTPException(404, f"job {job_id!r} has no MIDI file named {name!r}; see the job's files list")
        return await run_in_threadpool(midi_notes, path)

    @router.get("/studio/zip", response_class=FileResponse)
    def zip_files(file: Annotated[list[str], Query(min_length=1, max_length=MAX_ZIP_FILES,
                                                   description="<job id>/<file name>, repeated")],
                  as_: Annotated[list[str] | None, Query(alias="as", max_length=MAX_ZIP_FILES,
                                                         description="name in the zip for each file, in order")] = None,
                  name: Annotated[str, Query(max_length=80)] = "museforge") -> FileResponse:
        """Chosen result files (of one or more jobs) in one zip; audio is stored as is (it does not compress)."""
        if as_ is not None and len(as_) != len(file):
            raise HTTPException(422, f"as: give one name per file ({len(file)}), got {len(as_)}")
        entries = {}
        for i, item in enumerate(file):
            job_id, _, file_name = item.partition("/")
            path = store.file_path(job_id, file_name) if valid_id(job_id) else None
            if path is None:
                raise HTTPException(404, f"file: no result file {item!r}; give <job id>/<name> from a job's files")
            entry = file_name if as_ is None else as_[i]
            if not SAFE_NAME.fullmatch(entry):
                raise HTTPException(422, f"as: {entry!r} is not a plain file name (letters, digits, . _ - and "
                                         "spaces, at most 120, not starting with a dot)")
            entries[entry] = path
        handle = tempfile.NamedTemporaryFile(suffix=".zip", delete=False)
        with zipfile.ZipFile(handle, "w") as archive:
            for entry, path in entries.items():
                compress = zipfile.ZIP_DEFLATED if path.suffix in (".json", ".mid", ".xml") else zipfile.ZIP_STORED
                archive.write(path, entry, compress_type=compress)
        handle.close()
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "museforge"
        return FileResponse(handle.name, media_type="application/zip", filename=f"{stem}.zip",
                            background=BackgroundTask(os.unlink, handle.name))

    return router


def studio_options() -> dict:
    """Choices and ranges from the shared controls and the recipe registry."""
    from museforge import controls
    from museforge.sfx.recipe import get_recipe, recipe_names

    recipes = []
    for name in recipe_names():
        recipe = get_recipe(name)
        recipes.append({
            "name": name, "category": recipe.category, "loopable": recipe.loopable,
            "natural_length": recipe.natural_length, "default_duration_s": recipe.default_duration_s,
            "max_duration_s": recipe.max_duration_s,
            "params": [{"name": p.name, "default": p.default, "low": p.low, "high": p.high,
                        "choices": list(p.choices) if p.choices is not None else None, "doc": p.doc}
                       for p in recipe.params],
            "presets": {preset: dict(values) for preset, values in recipe.presets.items()},
        })
    return {
        "music": {"styles": list(controls.STYLES), "moods": list(controls.MOODS), "modes": list(controls.MODES),
                  "tonics": list(controls.TONICS), "instruments": list(controls.INSTRUMENTS),
                  "densities": list(controls.DENSITIES), "tempo_range_bpm": list(controls.TEMPO_RANGE_BPM),
                  "duration_range_s": list(controls.MUSIC_DURATION_RANGE_S)},
        "sfx": {"recipes": recipes},
    }


def midi_notes(path) -> dict:
    """Notes of a MIDI file in seconds: {duration_s, tracks: [{name, program, is_drum, notes: [[start, dur, pitch,
    velocity], ...]}]}; cut at :data:`MAX_NOTES` (``truncated`` says so)."""
    import symusic

    try:
        score = symusic.Score(str(path)).to("second")
    except Exception as exc:  # symusic raises plain RuntimeErrors for corrupt files
        raise HTTPException(422, f"the file is not readable MIDI ({exc})") from None
    tracks, total, truncated = [], 0, False
    for track in score.tracks:
        notes = [[round(n.time, 4), round(n.duration, 4), n.pitch, n.velocity] for n in track.notes]
        if total + len(notes) > MAX_NOTES:
            notes, truncated = notes[:MAX_NOTES - total], True
        total += len(notes)
        tracks.append({"name": track.name, "program": track.program, "is_drum": track.is_drum, "notes": notes})
    return {"duration_s": float(score.end()), "tracks": tracks, "truncated": truncated}
