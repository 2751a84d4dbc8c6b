"""The ``compose`` job kind: the Transformer composer behind the HTTP API and the web studio.

Tasks (``task``; inferred from the uploads when omitted):
    new        a piece from controls and/or a prompt (``form`` for a sectioned piece, e.g. "AABA")
    continue   ``n_bars`` (or ``duration_s`` of) new bars after ``primer_upload``
    infill     regenerate ``infill_bars`` ("5-8") of ``score_upload``, keep every other note
    vary       keep the first ``keep_bars`` of ``score_upload``, rewrite the rest (same bars, meter, key)
    harmonise  parts for ``instruments`` under the melody of ``melody_upload``

Each variation i uses seed + i and writes MIDI (Type 1) + sidecar and, unless ``render`` is false,
mastered audio with the same name + sidecar. Controls are validated by the library
(:class:`~museforge.controls.MusicControls`, :func:`~museforge.music.compose_request.resolve`)
at submit time, so a wrong value is a 422 naming the field; open choices of a new piece (style,
mood, key, tempo, meter) are decided once from the seed and shared by all its variations.

The model comes from :func:`museforge.music.generate.find_checkpoint` ($MUSEFORGE_COMPOSER, the
shipped weights, then training output). Without one the server still runs: GET /v1/kinds marks
the kind ``x-unavailable`` with the reason and a submission is refused with it. Each worker
process loads the model once (again only if the weights file changes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from museforge.errors import MuseforgeError
from museforge.serve.job_kinds import UPLOAD_ID, JobContext, JobRequest, _load_score, _need_upload, job_kind, \
    render_files

TASKS = ("new", "continue", "infill", "vary", "harmonise")
_UPLOAD_OF = {"continue": "primer_upload", "infill": "score_upload", "vary": "score_upload",
              "harmonise": "melody_upload"}
_CONTROLS = ("style", "mood", "tonic", "mode", "tempo_bpm", "time_signature", "duration_s", "n_bars", "instruments",
             "exclude", "density", "chords", "loop")
_DECIDED = ("style", "mood", "tonic", "mode", "tempo_bpm", "time_signature")  # shared by a new piece's variations
DEFAULT_NEW_BARS = 8  # continue: new bars when neither n_bars nor duration_s is given
HARMONY_DEFAULT = ("piano", "bass", "strings")  # harmonise: the first two that differ from the melody's program


class ComposeRequest(JobRequest):
    """Compose with the Transformer: a new piece, a continuation, regenerated bars or a harmonisation.

    Control fields are those of ``museforge.controls.MusicControls`` (choices in GET /v1/studio/options);
    fields set in the request win over what the prompt says, the prompt fills the rest.
    """

    kind: Literal["compose"]
    task: Literal["new", "continue", "infill", "vary", "harmonise"] | None = Field(
        None, description="default: continue with primer_upload, infill with score_upload + infill_bars, vary "
                          "with score_upload alone, harmonise with melody_upload, else new")
    prompt: str | None = Field(None, description="free text (English or Chinese), e.g. 'calm celtic tune, 90 bpm'")
    style: str | None = Field(None, max_length=64, description="e.g. celtic_folk, pop, baroque, jazz")
    mood: str | None = Field(None, max_length=16, description="happy, tense, sad or calm")
    tonic: str | None = Field(None, max_length=4, description="key tonic, e.g. D, F#, Bb")
    mode: str | None = Field(None, max_length=8, description="major or minor (the key's mode; see task for the job)")
    tempo_bpm: float | None = Field(None, description="quarter notes per minute, 30-300")
    time_signature: str | None = Field(None, max_length=8, description="e.g. 4/4, 3/4, 6/8")
    n_bars: int | None = Field(None, description="length in bars (continue: new bars); excludes duration_s")
    duration_s: float | None = Field(None, gt=0, description="exact length in whole bars (continue: of the new "
                                                              "bars); excludes n_bars")
    instruments: list[str] = Field(default_factory=list, max_length=16, description="names that play, e.g. "
                                   "['piano', 'bass', 'drums'] (harmonise: the accompanying ones)")
    exclude: list[str] = Field(default_factory=list, max_length=16, description="names that must not play")
    density: str | None = Field(None, max_length=8, description="sparse, medium or dense")
    chords: list[str] = Field(default_factory=list, max_length=64, description="one chord symbol per bar")
    loop: bool = Field(False, description="new pieces: no final cadence, audio rendered as a seamless loop")
    form: str | None = Field(None, max_length=16, description="new pieces: sections, e.g. AABA (returns replay "
                                                             "the section's opening)")
    keep_in_key: bool = Field(False, description="no pitched notes outside the key's scale")
    temperature: float = Field(1.0, ge=0, le=10, description="sampling temperature (0 = greedy)")
    top_k: int = Field(0, ge=0, le=100_000, description="keep the k likeliest tokens (0 = off)")
    top_p: float = Field(0.95, gt=0, le=1, description="nucleus sampling mass (1 = off)")
    primer_upload: str | None = Field(None, pattern=UPLOAD_ID, description="continue: MIDI upload id")
    include_primer: bool = Field(False, description="continue: output the primer, untouched, then the new bars")
    score_upload: str | None = Field(None, pattern=UPLOAD_ID, description="infill, vary: MIDI upload id")
    infill_bars: str | None = Field(None, max_length=16, description="infill: bars i-j to regenerate, 1-based "
                                                                     "inclusive, e.g. '5-8'")
    keep_bars: int | None = Field(None, ge=0, le=511, description="vary: opening bars kept as they are (default: "
                                                                  "the first quarter)")
    melody_upload: str | None = Field(None, pattern=UPLOAD_ID, description="harmonise: MIDI upload id")
    melody_track: int | None = Field(None, ge=0, le=255, description="harmonise: track index of the melody")
    render: bool = Field(True, description="also write mastered audio (bundled GM soundfont)")
    format: Literal["wav", "flac", "ogg", "mp3"] = "wav"
    loudness: Literal["streaming", "apple", "ebu-r128", "console"] | float = Field(
        "streaming", description="a preset or a LUFS target")
    sample_rate: Literal[44100, 48000] = 44_100
    stems: bool = Field(False, description="also write pre-master stems")

    def controls(self, *, with_length: bool = True):
        """The shared, validated :class:`museforge.controls.MusicControls` of this request."""
        from museforge.controls import MusicControls

        values = {name: getattr(self, name) for name in _CONTROLS}
        if not with_length:
            values["n_bars"] = values["duration_s"] = None
        for name in ("instruments", "exclude", "chords"):
            values[name] = tuple(values[name])
        return MusicControls(**values, seed=self.seed)


# --- availability and the model -----------------------------------------------------------------

def composer_unavailable() -> str | None:
    """Why this server cannot compose (no checkpoint found), or None. Cheap: no torch import."""
    from museforge.music.checkpoint import find_checkpoint

    try:
        find_checkpoint()
    except MuseforgeError as exc:
        return str(exc)
    return None


def warm_up() -> None:
    """Import the composer's request code (torch, tokenizer: seconds of CPU, ~300 MB) on a server that can
    compose, so its first submission does not wait for it (a server without weights never imports torch)."""
    if composer_unavailable() is None:
        import museforge.music.compose_request  # noqa: F401


_INFO: dict[tuple, dict] = {}  # (checkpoint, mtime, size) -> the model's provenance; one per worker


def _composer():
    """The composer for this worker process (load_for_generation keeps it until its weights file changes)."""
    import hashlib
    from dataclasses import asdict

    from museforge.music.checkpoint import find_checkpoint, training_data
    from museforge.music.models.transformer import load_for_generation
    from museforge.music.tokenizer import get_tokenizer

    path = find_checkpoint()
    model = load_for_generation(path)  # int8 linears, as the CLI and Python API decode
    weights = path / "model.safetensors"
    stat = weights.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _INFO:
        _INFO.clear()
        _INFO[key] = {"checkpoint": str(path), "sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
                      "config": asdict(model.cfg), "decoding": "int8 dynamic-quantised linears",
                      "training_data": training_data(path)}
    return model, get_tokenizer(), _INFO[key]


# --- checks at submit time ----------------------------------------------------------------------

def _task(request: ComposeRequest) -> str:
    if request.task is not None:
        return request.task
    given = [field for field in dict.fromkeys(_UPLOAD_OF.values()) if getattr(request, field) is not None]
    if len(given) > 1:
        raise MuseforgeError(f"task: uploads for different tasks given ({', '.join(given)}); give one, or set task "
                             f"to one of {', '.join(TASKS)}")
    if not given:
        return "new"
    return {"primer_upload": "continue", "melody_upload": "harmonise",
            "score_upload": "infill" if request.infill_bars is not None else "vary"}[given[0]]


def parse_bars(text: str) -> tuple[int, int]:
    """``"5-8"`` -> (5, 8); a single bar ``"5"`` -> (5, 5)."""
    first, sep, last = text.strip().partition("-")
    try:
        bars = (int(first), int(last if sep else first))
    except ValueError:
        raise MuseforgeError(f"infill_bars must look like 5-8 (bars i-j, 1-based, inclusive), got {text!r}") from None
    return bars


def _prompt_update(request: ComposeRequest) -> tuple[ComposeRequest, dict]:
    from museforge.prompt import understand

    understanding = understand(request.prompt)
    if understanding.kind != "music":
        raise MuseforgeError("prompt: this describes a sound effect, not music; use an sfx job")
    found = understanding.controls.to_dict()
    given = request.model_fields_set
    skip = {"n_bars", "duration_s"} if given & {"n_bars", "duration_s"} else set()  # one length only
    update = {name: found[name] for name in (*_CONTROLS, "seed")  # `is False`: a seed of 0 is a value
              if name not in given and name not in skip and found[name] is not None and found[name] != []
              and found[name] is not False}
    try:
        return ComposeRequest.model_validate(request.model_dump() | update), understanding.to_dict()
    except ValidationError as exc:  # e.g. a seed in the prompt beyond the API's range
        error = exc.errors()[0]
        raise MuseforgeError(f"prompt: {'.'.join(map(str, error['loc']))} read from it: {error['msg']}") from None


def check_compose(request: ComposeRequest, lookup, max_duration_s: float) -> tuple[ComposeRequest, dict]:
    """Everything a worker would refuse, refused now: no model, prompt, controls, uploads, bars, length."""
    import secrets

    reason = composer_unavailable()
    if reason is not None:
        raise MuseforgeError(f"compose: this server has no composer model ({reason})")
    info: dict = {}
    if request.prompt is not None:
        request, info["prompt"] = _prompt_update(request)
    task = _task(request)
    if request.seed is None:  # chosen here: a new piece's open choices are decided from it
        request = request.model_copy(update={"seed": secrets.randbelow(2**31)})
    for field in dict.fromkeys(_UPLOAD_OF.values()):
        if field != _UPLOAD_OF.get(task) and getattr(request, field) is not None:
            users = " or ".join(repr(t) for t, f in _UPLOAD_OF.items() if f == field)
            raise MuseforgeError(f"{field}: used by task {users}, not {task!r}")
    if task != "new" and (request.form or request.loop):
        raise MuseforgeError(f"{'form' if request.form else 'loop'}: only for task 'new'")
    for field, user in (("infill_bars", "infill"), ("keep_bars", "vary"), ("include_primer", "continue"),
                        ("melody_track", "harmonise")):
        if task != user and getattr(request, field) not in (None, False):
            raise MuseforgeError(f"{field}: only used by task {user!r}")
    from museforge.render.mix import loudness_target

    loudness_target(request.loudness)
    controls = request.controls()  # every control value checked by the shared MusicControls
    if task == "new":
        request, info["controls"] = _check_new(request, controls, max_duration_s)
    else:
        field = _UPLOAD_OF[task]
        if getattr(request, field) is None:
            raise MuseforgeError(f"{field}: task {task!r} needs a MIDI upload; POST /v1/uploads?kind=midi first")
        upload = _need_upload(lookup, getattr(request, field), field, "midi")
        info["upload"] = upload["info"]
        request = _check_rework(request, task, upload["info"], max_duration_s)
    info["task"] = task
    return request.model_copy(update={"task": task}), info


def _check_new(request: ComposeRequest, controls, max_duration_s: float) -> tuple[ComposeRequest, dict]:
    from museforge.music.compose_request import resolve
    from museforge.music.generate import section_plan

    decided = resolve(controls, seed=request.seed, keep_in_key=request.keep_in_key)
    if request.form:
        section_plan(request.form, decided.n_bars, 2)
    if decided.duration_s > max_duration_s:
        raise MuseforgeError(f"{'duration_s' if request.duration_s else 'n_bars'}: {decided.n_bars} bars last "
                             f"{decided.duration_s:.1f} s, over the server's max duration of {max_duration_s:g} s")
    open_fields = {name: getattr(decided, name) for name in _DECIDED if getattr(request, name) is None}
    return request.model_copy(update=open_fields), decided.to_dict()


def _check_rework(request: ComposeRequest, task: str, facts: dict, max_duration_s: float) -> ComposeRequest:
    if task != "continue" and (request.n_bars is not None or request.duration_s is not None):
        raise MuseforgeError(f"{'n_bars' if request.n_bars is not None else 'duration_s'}: task {task!r} keeps the "
                             "uploaded score's length")
    if task == "infill":
        if request.infill_bars is None:
            raise MuseforgeError("infill_bars: give the bars to regenerate, e.g. '5-8'")
        first, last = parse_bars(request.infill_bars)
        if not 1 <= first <= last <= facts["n_bars"]:
            raise MuseforgeError(f"infill_bars: need 1 <= i <= j <= {facts['n_bars']} (the score's bars), "
                                 f"got {request.infill_bars!r}")
    if task == "vary" and request.keep_bars is not None and not request.keep_bars < facts["n_bars"]:
        raise MuseforgeError(f"keep_bars: at most {facts['n_bars'] - 1} for this {facts['n_bars']}-bar piece (at "
                             f"least one bar must be new), got {request.keep_bars}")
    if task != "continue":
        return request
    from museforge.music.compose_request import bars_for_duration

    signature = request.time_signature or facts["time_signature"]
    tempo_bpm = request.tempo_bpm or min(max(facts["tempo_bpm"], 30.0), 300.0)  # as the composer reads a primer
    new_bars = request.n_bars or (bars_for_duration(request.duration_s, tempo_bpm, signature)
                                  if request.duration_s else DEFAULT_NEW_BARS)
    num, den = (int(x) for x in signature.split("/"))
    new_s = new_bars * num * 4.0 / den * 60.0 / tempo_bpm
    total_s = new_s + (facts["duration_s"] if request.include_primer else 0.0)
    if total_s > max_duration_s:
        after = " after the primer" if request.include_primer else ""
        raise MuseforgeError(f"n_bars: {new_bars} new bars ({new_s:.1f} s{after}) exceed the server's max duration "
                             f"of {max_duration_s:g} s")
    return request.model_copy(update={"n_bars": new_bars, "duration_s": None})


# --- running ------------------------------------------------------------------------------------

def _harmony_programs(request: ComposeRequest, melody) -> tuple[int, ...]:
    from museforge.controls import INSTRUMENTS

    if request.instruments:
        return tuple(INSTRUMENTS[name] for name in request.instruments)
    pitched = [t for t in melody.tracks if not t.is_drum and len(t.notes)]
    index = request.melody_track
    program = int(melody.tracks[index].program) if index is not None and index < len(melody.tracks) else \
        int(pitched[0].program) if pitched else -2
    return tuple(p for p in (INSTRUMENTS[n] for n in HARMONY_DEFAULT) if p != program)[:2]


def _compose_one(request: ComposeRequest, model, tokenizer, seed: int, upload_path: Path | None):
    from museforge.music import generate, rework
    from museforge.music.vary import vary

    sampling = dict(temperature=request.temperature, top_k=request.top_k, top_p=request.top_p, seed=seed,
                    keep_in_key=request.keep_in_key)
    if request.task == "new":
        controls = request.controls()
        if request.form:
            return generate.compose_long(model, tokenizer, controls, form=request.form, **sampling)
        return generate.compose(model, tokenizer, controls, **sampling)
    controls = request.controls(with_length=False)
    score = _load_score(upload_path)
    if request.task == "continue":
        return rework.continue_score(model, tokenizer, score, request.n_bars, include_primer=request.include_primer,
                                     controls=controls, **sampling)
    if request.task == "infill":
        return rework.infill(model, tokenizer, score, parse_bars(request.infill_bars), controls=controls, **sampling)
    if request.task == "vary":  # one per call: variation i is seed + i, like every job kind's batch
        return vary(model, tokenizer, score, 1, keep_bars=request.keep_bars, controls=controls, **sampling)[0]
    return rework.harmonise(model, tokenizer, score, _harmony_programs(request, score), controls=controls,
                            melody_track=request.melody_track, **sampling)


@job_kind("compose", ComposeRequest, check_compose, composer_unavailable)
def run_compose(request: ComposeRequest, ctx: JobContext) -> list[Path]:
    from museforge.api import _model_card
    from museforge.export import ExportMeta, export_midi

    ctx.progress(0.0, "loading the composer")
    model, tokenizer, model_info = _composer()
    field = _UPLOAD_OF.get(request.task)
    upload = ctx.uploads(getattr(request, field)) if field else None
    n, steps = request.variations, 2 if request.render else 1
    paths: list[Path] = []
    for i in range(n):
        seed = request.seed + i
        ctx.progress((i * steps) / (n * steps), f"composing variation {i + 1} of {n}")
        piece = _compose_one(request, model, tokenizer, seed, upload["path"] if upload else None)
        record = piece.record
        duration_s = float(piece.score.to("second").end())
        if duration_s > ctx.max_duration_s:
            raise MuseforgeError(f"the piece lasts {duration_s:.1f} s, over the server's max duration of "
                                 f"{ctx.max_duration_s:g} s")
        provenance = {"task": request.task, "prompt": request.prompt, "composer": model_info,
                      "model_card": _model_card(Path(model_info["checkpoint"])),
                      "upload": {"field": field, "id": getattr(request, field), "info": upload["info"]}
                      if upload else None}
        meta = ExportMeta(style=record["style"], key=f"{record['tonic']} {record['mode']}",
                          tempo_bpm=record["tempo_bpm"], seed=seed, title=request.title, controls=record,
                          model_versions={"composer": model_info["checkpoint"], "sha256": model_info["sha256"]},
                          provenance=provenance)
        paths += export_midi(piece.score, ctx.out_dir, meta)
        if request.render:
            ctx.progress((i * steps + 1) / (n * steps), f"rendering variation {i + 1} of {n}")
            paths += render_files(piece.score, ctx.out_dir, meta, fmt=request.format, loudness=request.loudness,
                                  sample_rate=request.sample_rate, stems=request.stems,
                                  loop_bars=record["n_bars"] if request.loop else None)
    return paths

