"""What a job can be: a small registry of kinds, each a request model plus one run function.

Adding a kind is one decorated function::

    @job_kind("compose", ComposeRequest)
    def run_compose(request: ComposeRequest, ctx: JobContext) -> list[Path]:
        ...

Request models are pydantic (they document the API in /openapi.json and give 422s that name the
field and the allowed range); server limits that depend on settings are checked in ``check``.
``run`` executes in a worker process: it reports progress through ``ctx`` and returns the files
it wrote under ``ctx.out_dir``. Heavy libraries are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from museforge.errors import MuseforgeError, check_choice

UPLOAD_ID = r"^[0-9a-f]{16}$"


class JobRequest(BaseModel):
    """Fields every job shares."""

    model_config = ConfigDict(extra="forbid")

    variations: int = Field(1, ge=1, description="batch size: variation i uses seed + i (server limit applies)")
    seed: int | None = Field(None, ge=0, le=2**31 - 1,
                             description="random seed of the first variation; omitted: the server picks one and "
                                         "reports it")
    title: str | None = Field(None, description="free-text title for tags and sidecars (prompt-length limit)")


@dataclass
class JobContext:
    """What a running job may use: its output folder, progress reporting and its uploads."""

    out_dir: Path
    report: Callable[[float, str], None]
    uploads: Callable[[str], dict]  # upload id -> {"path", "kind", "info"}
    max_duration_s: float

    def progress(self, fraction: float, message: str) -> None:
        self.report(fraction, message)


@dataclass(frozen=True)
class JobKind:
    name: str
    model: type[JobRequest]
    run: Callable[[JobRequest, JobContext], list[Path]]
    # (request, upload lookup, max_duration_s) -> (request with anything derived filled in, info to report)
    check: Callable[[JobRequest, Callable[[str], dict | None], float], tuple[JobRequest, dict]] | None = None
    # () -> why this server cannot run the kind now (e.g. no model weights), or None when it can
    unavailable: Callable[[], str | None] | None = None

    def why_unavailable(self) -> str | None:
        return self.unavailable() if self.unavailable is not None else None


_KINDS: dict[str, JobKind] = {}


def job_kind(name: str, model: type[JobRequest], check: Callable | None = None,
             unavailable: Callable[[], str | None] | None = None):
    """Decorator registering ``run`` as the job kind ``name`` (``model`` must have ``kind: Literal[name]``).

    ``unavailable`` says why the kind cannot run on this server (listed in GET /v1/kinds; ``check``
    should refuse submissions for the same reason)."""
    def register(run: Callable[[JobRequest, JobContext], list[Path]]):
        if name in _KINDS:
            raise ValueError(f"job kind {name!r} registered twice")
        _KINDS[name] = JobKind(name, model, run, check, unavailable)
        return run
    return register


def get_kind(name: str) -> JobKind:
    return _KINDS[check_choice("job kind", name, _KINDS)]


def kinds() -> dict[str, JobKind]:
    return dict(_KINDS)


def _need_upload(lookup, upload_id: str, field: str, kind: str) -> dict:
    upload = lookup(upload_id)
    if upload is None or upload["kind"] != kind:
        raise MuseforgeError(f"{field}: no {kind} upload with id {upload_id!r}; upload the file to "
                             f"POST /v1/uploads?kind={kind} first and pass the id it returns")
    return upload


# --- sfx ----------------------------------------------------------------------------------------

class SfxLayerModel(BaseModel):
    """Another recipe mixed under the main one (rain + distant thunder)."""

    model_config = ConfigDict(extra="forbid")

    recipe: str = Field(..., max_length=64)
    preset: str | None = Field(None, max_length=64)
    params: dict[str, float | str] = Field(default_factory=dict, max_length=64)
    offset_s: float = Field(0.0, ge=0, le=3600)
    gain_db: float = Field(0.0, ge=-96, le=24)


class SfxRequest(JobRequest):
    """A procedural sound effect, from a recipe and/or a free-text prompt (``museforge sfx list`` shows recipes).

    Fields set in the request win over what the prompt says; the prompt fills the rest.
    """

    kind: Literal["sfx"]
    prompt: str | None = Field(None, description="free text (English or Chinese), e.g. 'heavy rain on a tin roof'")
    recipe: str | None = Field(None, max_length=64, description="recipe name, e.g. rain, wind, impact, ui")
    preset: str | None = Field(None, max_length=64, description="a preset of the recipe")
    params: dict[str, float | str] = Field(default_factory=dict, max_length=64,
                                           description="parameter overrides, name -> number or choice")
    layers: list[SfxLayerModel] = Field(default_factory=list, max_length=8, description="recipes mixed under it")
    duration_s: float | None = Field(None, gt=0, description="length; ambiences default 10 s, one-shots natural")
    loop: bool = Field(False, description="seamless loop with loop points (ambiences only, no layers)")
    spread: float = Field(0.1, ge=0, le=1, description="parameter spread between variations")
    lock: list[str] = Field(default_factory=list, max_length=64, description="parameters kept fixed across variations")
    sample_rate: Literal[22050, 44100, 48000] = 48_000
    n_channels: Literal[1, 2] | None = Field(None, description="default: stereo ambiences, mono one-shots")
    normalize: Literal["auto", "peak", "loudness", "none"] = "auto"
    level_db: float | None = Field(None, ge=-60, le=0, description="peak dBFS or LUFS target")
    format: Literal["wav", "flac", "ogg"] = "wav"

    def controls(self):
        """The shared, validated :class:`museforge.controls.SfxControls` of this request."""
        from museforge.controls import SfxControls

        return SfxControls(recipe=self.recipe, preset=self.preset, params=self.params, duration_s=self.duration_s,
                           loop=self.loop, variations=self.variations, seed=self.seed,
                           layers=tuple(layer.model_dump() for layer in self.layers))


_FROM_PROMPT = ("recipe", "preset", "params", "duration_s", "loop", "variations", "seed", "layers")


def check_sfx(request: SfxRequest, lookup, max_duration_s: float) -> tuple[SfxRequest, dict]:
    """Read the prompt (if any) into unset fields, then validate through the shared SfxControls."""
    info: dict = {}
    if request.prompt is not None:
        from museforge.prompt import understand

        understanding = understand(request.prompt)
        if understanding.kind != "sfx":
            raise MuseforgeError("prompt: this describes music, not a sound effect; use an arrange/render job "
                                 "(composition jobs come with the composer)")
        found = understanding.controls.to_dict()
        update = {name: found[name] for name in _FROM_PROMPT
                  if name not in request.model_fields_set and found.get(name) not in (None, [], {})}
        if "recipe" in request.model_fields_set and request.recipe != found["recipe"]:
            update = {k: v for k, v in update.items() if k not in ("preset", "params")}  # they belong to another recipe
        request = SfxRequest.model_validate(request.model_dump() | update)
        info["prompt"] = understanding.to_dict()
    if request.recipe is None:
        raise MuseforgeError("recipe: give a recipe name or a prompt that names a sound (e.g. 'rain')")
    controls = request.controls()  # ranges, choices, presets, loopability, layers
    for name in request.lock:
        type(_recipe(request.recipe)).param(name)
    if request.loop and request.layers:
        raise MuseforgeError("loop: a layered sound cannot loop yet; drop the layers or the loop")
    info["controls"] = controls.to_dict()
    return request, info


def _recipe(name: str):
    from museforge.sfx.recipe import get_recipe

    return get_recipe(name)


@job_kind("sfx", SfxRequest, check_sfx)
def run_sfx(request: SfxRequest, ctx: JobContext) -> list[Path]:
    import numpy as np

    from museforge.sfx.batch import export_batch
    from museforge.sfx.layer import Layer, render_layers
    from museforge.sfx.loop import render_loop
    from museforge.sfx.recipe import normalize_audio
    from museforge.sfx.variations import mutate

    recipe = _recipe(request.recipe)
    base = request.controls().resolved_params()
    mode = {"auto": None if recipe.loopable else "peak", "none": None}.get(request.normalize, request.normalize)
    fx_name = request.title or request.preset or recipe.name.replace("_", " ")
    items = []
    for i in range(request.variations):
        ctx.progress(i / request.variations, f"rendering variation {i + 1} of {request.variations}")
        seed = request.seed + i
        params = base if request.variations == 1 else mutate(recipe, base, np.random.default_rng([seed, 1]),
                                                               request.spread, request.lock)
        if request.layers:
            layers = [Layer(recipe.name, params, duration_s=request.duration_s)] + [
                Layer(lay.recipe, lay.params, preset=lay.preset, offset_s=lay.offset_s, gain_db=lay.gain_db)
                for lay in request.layers]
            audio = render_layers(layers, duration_s=request.duration_s, sample_rate=request.sample_rate, seed=seed,
                                  n_channels=request.n_channels or 2)
        elif request.loop:
            audio = render_loop(recipe, params, duration_s=request.duration_s or recipe.default_duration_s,
                                sample_rate=request.sample_rate, seed=seed, n_channels=request.n_channels)
        else:
            audio = recipe.render(params, duration_s=request.duration_s, sample_rate=request.sample_rate,
                                  seed=seed, n_channels=request.n_channels)
        items.append((normalize_audio(audio, mode, request.level_db), recipe.ucs_cat_id, fx_name, seed))
    ctx.progress(0.99, "writing files")
    return export_batch(items, ctx.out_dir, ext=request.format, on_exists="rename")


# --- arrange ------------------------------------------------------------------------------------

class ArrangeRequest(JobRequest):
    """Arrange an uploaded melody MIDI for a style; writes MIDI Type 1 + sidecar per variation."""

    kind: Literal["arrange"]
    melody_upload: str = Field(..., pattern=UPLOAD_ID, description="id from POST /v1/uploads?kind=midi")
    style: str = Field(..., max_length=64, description="an arrangement style (orchestral, piano, folk, pop, ...) or "
                                                       "a product style from museforge.controls (celtic_folk, jazz...)")
    chords: list[str] | None = Field(None, max_length=1024, description="one chord symbol per bar; default guessed")
    melody_track: int | None = Field(None, ge=0, le=255)
    tempo_bpm: float | None = Field(None, ge=20, le=400)
    key: str | None = Field(None, max_length=8, description="e.g. C, F#, Bbm; default from the file or guessed")
    repeats: int = Field(1, ge=1, le=64)
    intro_bars: int = Field(0, ge=0, le=64)
    outro_bars: int = Field(0, ge=0, le=64)


def check_arrange(request: ArrangeRequest, lookup, max_duration_s: float) -> tuple[ArrangeRequest, dict]:
    from museforge.controls import STYLE_MAP
    from museforge.music.arrange import STYLES

    if request.style not in STYLES and request.style in STYLE_MAP:  # product style -> its arrangement template
        request = request.model_copy(update={"style": STYLE_MAP[request.style][1]})
    check_choice("style", request.style, set(STYLES) | set(STYLE_MAP))
    upload = _need_upload(lookup, request.melody_upload, "melody_upload", "midi")
    estimate_s = upload["info"]["duration_s"] * request.repeats
    if estimate_s > max_duration_s:
        raise MuseforgeError(f"repeats: {request.repeats} passes over a {upload['info']['duration_s']:.1f} s melody "
                             f"exceed the server's max duration of {max_duration_s:g} s")
    return request, {"melody": upload["info"], "arrangement_style": request.style}


def _load_score(path: Path):
    import symusic

    try:
        return symusic.Score(str(path))
    except Exception as exc:  # symusic raises plain RuntimeErrors for corrupt files
        raise MuseforgeError(f"cannot read the upload as MIDI ({exc})") from None


@job_kind("arrange", ArrangeRequest, check_arrange)
def run_arrange(request: ArrangeRequest, ctx: JobContext) -> list[Path]:
    from museforge.export import ExportMeta, export_midi
    from museforge.music.arrange import Material, arrange

    score = _load_score(ctx.uploads(request.melody_upload)["path"])
    paths: list[Path] = []
    for i in range(request.variations):
        ctx.progress(i / request.variations, f"arranging variation {i + 1} of {request.variations}")
        seed = request.seed + i
        result = arrange(Material(score, chords=request.chords, melody_track=request.melody_track, key=request.key),
                         request.style, seed=seed, repeats=request.repeats, intro_bars=request.intro_bars,
                         outro_bars=request.outro_bars, tempo_bpm=request.tempo_bpm)
        duration_s = float(result.score.to("second").end())
        if duration_s > ctx.max_duration_s:
            raise MuseforgeError(f"the arrangement lasts {duration_s:.1f} s, over the server's max duration of "
                                 f"{ctx.max_duration_s:g} s; use fewer repeats or intro/outro bars")
        meta = ExportMeta(style=result.style, key=result.key, tempo_bpm=result.tempo_bpm, seed=seed,
                          title=request.title, controls={"chords": list(result.chords), "repeats": request.repeats,
                                                         "n_bars": result.n_bars, "roles": result.roles},
                          provenance={"grooves": list(result.grooves), "credits": list(result.credits)})
        paths += export_midi(result.score, ctx.out_dir, meta)
    return paths


# --- render -------------------------------------------------------------------------------------

class RenderRequest(JobRequest):
    """Render an uploaded MIDI score to mastered audio with the bundled General MIDI soundfont."""

    kind: Literal["render"]
    score_upload: str = Field(..., pattern=UPLOAD_ID, description="id from POST /v1/uploads?kind=midi")
    format: Literal["wav", "flac", "ogg", "mp3"] = "wav"
    bit_depth: Literal[16, 24] = 24
    loudness: Literal["streaming", "apple", "ebu-r128", "console"] | float = Field(
        "streaming", description="a preset or a LUFS target")
    sample_rate: Literal[44100, 48000] = 44_100
    n_channels: Literal[1, 2] = 2
    duration_s: float | None = Field(None, gt=0, description="exact length of the cue; default to the last note")
    loop_bars: int | None = Field(None, ge=1, le=512, description="render the first bars as a seamless loop instead")
    stems: bool = Field(False, description="also write pre-master stems")


def check_render(request: RenderRequest, lookup, max_duration_s: float) -> tuple[RenderRequest, dict]:
    if request.variations != 1:
        raise MuseforgeError("variations: rendering has no random choices, so variations must be 1")
    from museforge.render.mix import loudness_target

    loudness_target(request.loudness)
    upload = _need_upload(lookup, request.score_upload, "score_upload", "midi")
    length_s = request.duration_s if request.duration_s is not None else upload["info"]["duration_s"]
    if length_s > max_duration_s:
        raise MuseforgeError(f"duration_s: {length_s:.1f} s is over the server's max duration of {max_duration_s:g} s")
    return request, {"score": upload["info"]}


@job_kind("render", RenderRequest, check_render)
def run_render(request: RenderRequest, ctx: JobContext) -> list[Path]:
    from museforge.export import ExportMeta

    score = _load_score(ctx.uploads(request.score_upload)["path"])
    ctx.progress(0.05, "rendering")
    meta = ExportMeta(style="render", seed=request.seed, title=request.title,
                      controls=request.model_dump(exclude={"score_upload"}))
    return render_files(score, ctx.out_dir, meta, fmt=request.format, bit_depth=request.bit_depth,
                        loudness=request.loudness, sample_rate=request.sample_rate, n_channels=request.n_channels,
                        duration_s=request.duration_s, loop_bars=request.loop_bars, stems=request.stems,
                        name_suffix="loop" if request.loop_bars is not None else None,
                        on_rendered=lambda: ctx.progress(0.9, "writing files"))


def render_files(score, out_dir: Path, meta, *, fmt: str = "wav", bit_depth: int = 24,
                 loudness: str | float = "streaming", sample_rate: int = 44_100, n_channels: int = 2,
                 duration_s: float | None = None, loop_bars: int | None = None, stems: bool = False,
                 name_suffix: str | None = None, on_rendered: Callable[[], None] | None = None) -> list[Path]:
    """Render a score with the bundled GM soundfont, master it and write the audio (+ stems) with sidecars.

    The one rendering path of the job kinds (render, compose): the soundfont and its licence go into
    the sidecar's provenance; ``loop_bars`` renders that many bars as a seamless loop instead.
    """
    from dataclasses import replace

    from museforge.export import export_audio
    from museforge.render.loop import render_loop
    from museforge.render.pipeline import render
    from museforge.render.soundfont import DEFAULT_SOUNDFONT_LICENCE

    options = dict(sample_rate=sample_rate, n_channels=n_channels, loudness=loudness)
    if loop_bars is not None:
        rendered = render_loop(score, n_bars=loop_bars, **options)
    else:
        rendered = render(score, duration_s=duration_s, **options)
    if on_rendered is not None:
        on_rendered()
    meta = replace(meta, provenance={**meta.provenance, "soundfont": {"name": "TimGM6mb.sf2",
                                                                      "licence": DEFAULT_SOUNDFONT_LICENCE}})
    return export_audio(rendered.audio, out_dir, meta, fmt=fmt, bit_depth=bit_depth,
                        stems=rendered.stems if stems else None, extra=rendered.measurements(), kind=name_suffix)


# The compose kind lives in its own module (this one would pass ~400 lines); importing it registers it.
from museforge.serve import job_compose  # noqa: E402,F401
