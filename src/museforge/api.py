"""The public Python API: ``museforge.sfx``, ``museforge.arrange``, ``museforge.compose``.

A thin adapter over the library (DESIGN style 11): every setting is a call argument, and every
returned object carries ``provenance``, a dict saying what made it (recipe or model, seed,
controls, licences of the data and soundfont behind it), which ``save`` writes into the sidecar.

>>> import museforge
>>> rain = museforge.sfx("rain", intensity=0.8, seconds=30, loop=True, seed=7)
>>> rain.save("out/")
>>> piece = museforge.arrange("tune.mid", "folk", seed=1, repeats=2)
>>> piece.render(); piece.save("out/")  # MIDI, audio and their sidecars
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from museforge.audio import Audio
from museforge.errors import MuseforgeError

ARRANGER = "museforge.music.arrange (rule-based, MMA grooves)"
SFX_GENERATOR = "museforge.sfx procedural DSP recipes (no training data; output is yours to use)"


@dataclass(frozen=True, eq=False)
class Sound:
    """Finished audio plus where it came from.

    Attributes:
        audio: The samples (:class:`museforge.audio.Audio`, float32 [channels, frames]).
        provenance: What made it: recipe or model, seed, controls, licences.
        stems: Pre-master stems by track name (rendered pieces only).
    """

    audio: Audio
    provenance: dict = field(default_factory=dict)
    stems: dict[str, Audio] = field(default_factory=dict)

    @property
    def samples(self):
        return self.audio.samples

    @property
    def sample_rate(self) -> int:
        return self.audio.sample_rate

    @property
    def duration_s(self) -> float:
        return self.audio.duration_s

    @property
    def loop(self):
        """Loop points (:class:`museforge.audio.LoopPoints`) or None."""
        return self.audio.loop

    def save(self, folder: str | Path, fmt: str = "wav", *, bit_depth: int = 24, stems: bool = False) -> list[Path]:
        """Write the audio with tags, loop points (WAV ``smpl``, OGG/FLAC tags) and a JSON sidecar.

        A taken name is never overwritten: ``-1``, ``-2`` ... is appended.

        Args:
            folder: Output folder (created if missing).
            fmt: "wav", "flac", "ogg" or "mp3".
            bit_depth: 16 or 24 (WAV, FLAC).
            stems: Also write the stems, each with a sidecar.

        Returns:
            The paths written: the file, its sidecar, then any stems and theirs.
        """
        from museforge.export import export_audio

        prov = self.provenance
        return export_audio(self.audio, folder, _meta(prov), fmt=fmt, bit_depth=bit_depth,
                            stems=self.stems if stems else None, extra=prov.get("render"),
                            kind="loop" if self.audio.loop is not None else None)


class Piece:
    """A multi-instrument piece (a symusic Score) plus where it came from.

    Attributes:
        score: The music (symusic Score).
        provenance: What made it: arranger or composer model, seed, controls, licences.
        sound: The last :meth:`render` result, or None.
    """

    def __init__(self, score, provenance: dict, mix_roles: Mapping[str, str] | None = None):
        self.score = score
        self.provenance = provenance
        self.mix_roles = dict(mix_roles or {})
        self.sound: Sound | None = None

    def __repr__(self) -> str:
        p = self.provenance
        return (f"Piece(style={p.get('style')!r}, key={p.get('key')!r}, tempo_bpm={p.get('tempo_bpm')!r}, "
                f"seed={p.get('seed')!r}, tracks={[t.name for t in self.score.tracks]})")

    def render(self, *, soundfont: str | Path | None = None, loudness: str | float = "streaming",
               sample_rate: int = 44_100, n_channels: int = 2, duration_s: float | None = None) -> Sound:
        """Render to mastered audio with a soundfont; the result is also kept as ``self.sound``.

        Args:
            soundfont: .sf2/.sf3 path; None uses the bundled TimGM6mb (GPL-2.0).
            loudness: "streaming" (-14), "apple" (-16), "ebu-r128" (-23), "console" (-24) or LUFS.
            sample_rate: 44100 or 48000 Hz.
            n_channels: 1 or 2.
            duration_s: Exact length (a cue); None ends after the last note's tail.
        """
        from museforge.render.pipeline import render
        from museforge.render.soundfont import DEFAULT_SOUNDFONT_LICENCE

        rendered = render(self.score, soundfont=soundfont, loudness=loudness, sample_rate=sample_rate,
                          n_channels=n_channels, duration_s=duration_s, roles=self.mix_roles or None)
        licence = DEFAULT_SOUNDFONT_LICENCE if soundfont is None else "user-supplied soundfont: see its own licence"
        provenance = {**self.provenance, "soundfont": {"name": rendered.soundfont.name, "licence": licence},
                      "render": rendered.measurements()}
        self.sound = Sound(rendered.audio, provenance, dict(rendered.stems))
        return self.sound

    def save(self, folder: str | Path, *, fmt: str = "wav", musicxml: bool = False,
             stems: bool = False) -> list[Path]:
        """Write MIDI Type 1 + sidecar, MusicXML if asked, and the audio if the piece was rendered.

        Nothing is overwritten: a taken name gets ``-1``, ``-2`` ... appended.

        Args:
            folder: Output folder (created if missing).
            fmt: Audio format for the rendered sound ("wav", "flac", "ogg", "mp3").
            musicxml: Also write MusicXML (for notation programs).
            stems: Also write the rendered stems.

        Returns:
            Every path written.
        """
        from museforge.export import export_midi, export_musicxml

        meta = _meta(self.provenance)
        paths = export_midi(self.score, folder, meta)
        if musicxml:
            paths += export_musicxml(self.score, folder, meta)
        if self.sound is not None:
            paths += self.sound.save(folder, fmt, stems=stems)
        return paths


def _meta(provenance: Mapping):
    """ExportMeta for names and tags; the whole provenance goes into the sidecar."""
    from museforge.export import ExportMeta

    return ExportMeta(style=str(provenance.get("style") or provenance.get("recipe") or "piece"),
                      key=provenance.get("key"), tempo_bpm=provenance.get("tempo_bpm"),
                      seed=provenance.get("seed"), title=provenance.get("title"),
                      controls=dict(provenance.get("controls") or {}),
                      model_versions=dict(provenance.get("model_versions") or {}),
                      provenance={k: v for k, v in provenance.items() if k != "render"})


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise MuseforgeError(f"seed must be a whole number in [0, 2**63), got {seed!r}")
    return seed


# --- sound effects ------------------------------------------------------------------------------

def sfx(recipe_or_prompt: str, *, preset: str | None = None, seconds: float | None = None, loop: bool = False,
        seed: int | None = None, sample_rate: int = 48_000, variations: int | None = None, spread: float = 0.1,
        n_channels: int | None = None, normalize: str | None = None, level_db: float | None = None,
        **params: object) -> Sound | list[Sound]:
    """A sound effect from a recipe name (``"rain"``) or a prompt (``"heavy rain with distant thunder"``).

    Args:
        recipe_or_prompt: A recipe name (see ``museforge.sfx.recipe.recipe_names()``) or free text
            in English or Chinese; what a prompt set is recorded in ``provenance["prompt"]``.
        preset: One of the recipe's presets (applied before ``params``).
        seconds: Exact length; None = the recipe's natural (one-shots) or default length.
        loop: A seamless loop with loop points (ambience recipes only).
        seed: Random seed; variation i uses ``seed + i``. None = the prompt's ("seed 4"), else 0.
        sample_rate: Output rate in Hz.
        variations: How many sounds; more than 1 returns a list. None = the prompt's, else 1.
        spread: How far variations move continuous parameters (fraction of each range).
        n_channels: 1 or 2; None = the recipe's default.
        normalize: None, "peak" or "loudness"; level_db is the target.
        **params: Recipe parameters, e.g. ``intensity=0.8`` (checked against their ranges).

    Returns:
        A :class:`Sound`, or a list of them when ``variations > 1``.
    """
    import numpy as np

    from museforge.sfx.recipe import get_recipe, recipe_names
    from museforge.sfx.variations import MAX_VARIATIONS, mutate

    if not isinstance(recipe_or_prompt, str) or not recipe_or_prompt.strip():
        raise MuseforgeError(f"sfx needs a recipe name or a prompt (text), got {recipe_or_prompt!r}; "
                             f"recipes: {', '.join(recipe_names())}")
    if not isinstance(loop, bool):
        raise MuseforgeError(f"loop must be True or False, got {loop!r}")
    name, prompt_preset, prompt_params, layers, understood = _sfx_source(recipe_or_prompt.strip())
    said = understood["controls"] if understood else {}  # explicit values the prompt gave
    seed = _check_seed((said.get("seed") or 0) if seed is None else seed)
    variations = (said.get("variations") or 1) if variations is None else variations
    if isinstance(variations, bool) or not isinstance(variations, int) or not 1 <= variations <= MAX_VARIATIONS:
        raise MuseforgeError(f"variations must be a whole number in [1, {MAX_VARIATIONS}], got {variations!r}")
    recipe = get_recipe(name)
    preset = prompt_preset if preset is None else preset
    base = recipe.resolve({**prompt_params, **params}, preset)
    seconds = said.get("duration_s") if seconds is None else seconds
    loop = loop or bool(said.get("loop"))
    if loop and not recipe.loopable:
        raise MuseforgeError(f"recipe {name!r} is a one-shot and cannot loop; loopable recipes: "
                             f"{', '.join(n for n in recipe_names() if get_recipe(n).loopable)}")
    if loop and layers:
        raise MuseforgeError("a layered sound cannot loop yet; drop loop=True or the layers in the prompt")
    sounds = []
    for i in range(variations):
        seed_i = seed + i
        values = base if variations == 1 else mutate(recipe, base, np.random.default_rng([seed_i, 1]), spread)
        audio = _render_sfx(recipe, values, layers, seconds=seconds, loop=loop, seed=seed_i,
                            sample_rate=sample_rate, n_channels=n_channels, normalize=normalize, level_db=level_db)
        provenance = {"kind": "sfx", "recipe": name, "title": f"{name} seed {seed_i}",
                      "generator": SFX_GENERATOR, "seed": seed_i, "preset": preset,
                      "controls": {"recipe": name, "preset": preset, "params": values, "seconds": seconds,
                                   "loop": loop, "sample_rate": sample_rate, "normalize": normalize,
                                   "level_db": level_db, "layers": [dict(lay) for lay in layers]},
                      "training_data": None}
        if variations > 1:
            provenance.update(variation=i, variations=variations, spread=spread)
        if understood:
            provenance["prompt"] = understood
        sounds.append(Sound(audio, provenance))
    return sounds if variations > 1 else sounds[0]


def _sfx_source(text: str) -> tuple[str, str | None, dict, list[dict], dict | None]:
    """(recipe, preset, params, layers, understood): a recipe name as is, anything else as a prompt."""
    from museforge.errors import check_choice
    from museforge.sfx.recipe import recipe_names

    names = recipe_names()
    if text in names:
        return text, None, {}, [], None
    from museforge.prompt import understand

    understanding = understand(text)
    if understanding.kind != "sfx" and not understanding.understood:  # nothing recognised: likely a typo
        check_choice("recipe", text, names)
    if understanding.kind != "sfx":
        raise MuseforgeError(f"{text!r} reads as music, not a sound effect; use museforge.compose for music, or "
                             f"name a recipe: {', '.join(names)}")
    c = understanding.controls
    layers = [layer.to_dict() for layer in c.layers]
    return c.recipe, c.preset, dict(c.params), layers, understanding.to_dict()


def _render_sfx(recipe, values: dict, layers: list[dict], *, seconds: float | None, loop: bool, seed: int,
                sample_rate: int, n_channels: int | None, normalize: str | None, level_db: float | None) -> Audio:
    from museforge.sfx.layer import Layer, render_layers
    from museforge.sfx.loop import render_loop

    if loop:
        return render_loop(recipe, values, duration_s=recipe.default_duration_s if seconds is None else seconds,
                           sample_rate=sample_rate, seed=seed, n_channels=n_channels, normalize=normalize,
                           level_db=level_db)
    if layers:
        mix = [Layer(recipe.name, values, duration_s=seconds)] + [
            Layer(lay["recipe"], lay["params"], preset=lay["preset"], offset_s=lay["offset_s"],
                  gain_db=lay["gain_db"]) for lay in layers]
        return render_layers(mix, duration_s=seconds, sample_rate=sample_rate, seed=seed,
                             n_channels=n_channels or 2, normalize=normalize, level_db=level_db)
    return recipe.render(values, duration_s=seconds, sample_rate=sample_rate, seed=seed, n_channels=n_channels,
                         normalize=normalize, level_db=level_db)


# --- music --------------------------------------------------------------------------------------

def arrange(melody, style: str, *, chords: list[str] | tuple[str, ...] | None = None, seed: int = 0,
            repeats: int = 1, intro_bars: int = 0, outro_bars: int = 0, tempo_bpm: float | None = None,
            key: str | None = None, melody_track: int | None = None, tune: int = 0) -> Piece:
    """Arrange a melody for a style: drums, bass, chords and pads around it (rule-based, MMA grooves).

    Args:
        melody: A symusic Score, or a path to MIDI, MusicXML, ABC or kern.
        style: An arrangement style (folk, pop, orchestral, piano, ...) or a product style
            (``museforge.controls.STYLES``, e.g. celtic_folk).
        chords: One chord symbol per bar (``["C", "Am", "F", "G7"]``); None = guessed.
        seed: Seeds groove choice and humanising.
        repeats: Passes over the material.
        intro_bars: Bars of accompaniment before the melody.
        outro_bars: Bars after it.
        tempo_bpm: Tempo; None keeps the melody's (clamped to the style).
        key: Key such as "D" or "Bbm"; None = the file's or guessed.
        melody_track: Track index of the melody; None = the track named like it, else the first.
        tune: Which tune of a collection file (ABC books hold many).
    """
    from museforge.controls import STYLE_MAP
    from museforge.errors import check_choice
    from museforge.music.arrange import STYLES, Material
    from museforge.music.arrange import arrange as arrange_material

    seed = _check_seed(seed)
    check_choice("style", style, set(STYLES) | set(STYLE_MAP))
    template = style if style in STYLES else STYLE_MAP[style][1]
    score, source = _load_melody(melody, tune)
    result = arrange_material(Material(score, chords=chords, melody_track=melody_track, key=key), template,
                              seed=seed, repeats=repeats, intro_bars=intro_bars, outro_bars=outro_bars,
                              tempo_bpm=tempo_bpm)
    provenance = {
        "kind": "arrangement", "style": result.style, "key": result.key, "tempo_bpm": result.tempo_bpm,
        "seed": seed, "melody": source, "model_versions": {"arranger": ARRANGER},
        "controls": {"style": style, "chords": list(result.chords), "repeats": repeats, "intro_bars": intro_bars,
                     "outro_bars": outro_bars, "n_bars": result.n_bars, "roles": result.roles},
        "grooves": list(result.grooves), "credits": list(result.credits),
    }
    return Piece(result.score, provenance, result.mix_roles)


def _load_melody(melody, tune: int):
    """(Score, description of the source) from a Score or a file path."""
    from symusic import Score

    if isinstance(melody, Score):
        return melody, "a symusic Score given by the caller"
    if not isinstance(melody, (str, Path)):
        raise MuseforgeError(f"melody must be a symusic Score or a path to MIDI/MusicXML/ABC, "
                             f"got {type(melody).__name__}")
    from museforge.music.convert import load_scores

    path = Path(melody)
    if not path.is_file():
        raise MuseforgeError(f"melody file not found: {path}")
    try:
        scores = load_scores(path)
    except MuseforgeError:
        raise
    except Exception as exc:  # symusic/music21 raise their own types for corrupt files
        raise MuseforgeError(f"cannot read {path} ({exc}); give a MIDI, MusicXML or ABC file") from None
    if isinstance(tune, bool) or not isinstance(tune, int) or not 0 <= tune < len(scores):
        raise MuseforgeError(f"tune must be a whole number in [0, {len(scores) - 1}] for {path.name}, got {tune!r}")
    title, score = scores[tune]
    return score, f"{path.name}: {title}"


def compose(prompt_or_controls, *, seed: int | None = None, checkpoint: str | Path | None = None, temperature: float = 1.0,
            top_k: int = 0, top_p: float = 0.95, keep_in_key: bool = False, form: str | None = None) -> Piece:
    """Compose a new piece with the Transformer composer.

    Args:
        prompt_or_controls: Free text ("calm celtic tune for a village, 60 s"), a
            :class:`museforge.controls.MusicControls` or a dict of its fields.
        seed: Random seed; None = the prompt's or the controls' seed, else 0.
        checkpoint: Composer checkpoint folder; None = $MUSEFORGE_COMPOSER, the shipped weights,
            then ``checkpoints/composer/best|latest``.
        temperature: Sampling temperature (0 = greedy).
        top_k: Keep the k likeliest tokens (0 = off).
        top_p: Nucleus sampling mass (1 = off).
        keep_in_key: No pitched notes outside the key's scale.
        form: Sections for a long piece, e.g. "AABA".

    Raises:
        MuseforgeError: No checkpoint was found (the message says how to get one), or bad controls.
    """
    from museforge.controls import MusicControls, controls_from_dict

    understood = None
    if isinstance(prompt_or_controls, str):
        from museforge.prompt import understand

        understanding = understand(prompt_or_controls)
        if understanding.kind != "music":
            raise MuseforgeError(f"{prompt_or_controls!r} reads as a sound effect, not music; use museforge.sfx")
        controls, understood = understanding.controls, understanding.to_dict()
    elif isinstance(prompt_or_controls, MusicControls):
        controls = prompt_or_controls
    elif isinstance(prompt_or_controls, Mapping):
        controls = controls_from_dict({"kind": "music", **prompt_or_controls})
    else:
        raise MuseforgeError(f"compose needs a prompt (text), MusicControls or a dict of controls, "
                             f"got {type(prompt_or_controls).__name__}")
    seed = _check_seed((controls.seed or 0) if seed is None else seed)
    from museforge.music.checkpoint import find_checkpoint, training_data

    path = find_checkpoint(checkpoint)  # before torch loads: a missing checkpoint fails fast with guidance
    from museforge.music.generate import compose as compose_controls
    from museforge.music.generate import compose_long
    from museforge.music.models.transformer import load_for_generation
    from museforge.music.tokenizer import get_tokenizer

    model, tokenizer = load_for_generation(path), get_tokenizer()  # int8 linears: same loss, faster
    sampling = dict(temperature=temperature, top_k=top_k, top_p=top_p, seed=seed, keep_in_key=keep_in_key)
    made = compose_long(model, tokenizer, controls, form=form, **sampling) if form else \
        compose_controls(model, tokenizer, controls, **sampling)
    rec = made.record
    provenance = {"kind": "composition", "style": rec.get("style"), "key": f"{rec.get('tonic')} {rec.get('mode')}",
                  "tempo_bpm": rec.get("tempo_bpm"), "seed": seed, "controls": rec,
                  "model_versions": {"composer": str(path)}, "model_card": _model_card(path),
                  "training_data": training_data(path)}
    if understood:
        provenance["prompt"] = understood
    return Piece(made.score, provenance)


def _model_card(path: Path) -> str | None:
    """The checkpoint's model card (training data and its licences), if it ships one."""
    cards = [path / name for name in ("MODEL_CARD.md", "model_card.md", "README.md") if (path / name).is_file()]
    return str(cards[0]) if cards else None
