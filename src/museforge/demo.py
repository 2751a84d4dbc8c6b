"""The main job on the shipped defaults (`make demo` / `museforge demo`): finished files in one folder.

Music: a piece composed from a text prompt by the shipped Transformer composer, and a
public-domain tune from the music21 corpus (O'Neill's Music of Ireland, 1850) arranged as a folk
band piece. Both are rendered with the bundled soundfont, mastered to -14 LUFS and exported as
WAV + stems + MIDI with sidecars (provenance: model, seed, controls, data licences).
Sound effects: a seamless rain loop, four impact variations and a retro coin pickup.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

DEMO_TUNE = "oneills1850/0001-0050"  # an ABC collection; the demo takes its first tune
DEMO_SEED = 7
DEMO_PROMPT = "calm celtic tune for a village square, fiddle, flute, guitar and bass, 40 seconds"


def run_demo(out_dir: str | Path, log: Callable[[str], None] = print) -> list[Path]:
    """Write the demo files into ``out_dir``; returns every path written."""
    out_dir = Path(out_dir)
    written = _composed(out_dir / "composed", log)
    written += _music(out_dir / "music", log)
    written += _sound_effects(out_dir / "sfx", log)
    return written


def _composed(folder: Path, log: Callable[[str], None]) -> list[Path]:
    from museforge.api import compose

    log(f"composing '{DEMO_PROMPT}' (seed {DEMO_SEED}) with the shipped composer")
    piece = compose(DEMO_PROMPT, seed=DEMO_SEED)
    log(f"rendering {piece!r}")
    piece.render(loudness="streaming")
    return piece.save(folder, stems=True)


def _music(folder: Path, log: Callable[[str], None]) -> list[Path]:
    from music21 import corpus

    from museforge.export import ExportMeta, export_audio, export_midi
    from museforge.music.arrange import Material, arrange
    from museforge.music.convert import stream_to_scores
    from museforge.render.pipeline import render

    title, score = stream_to_scores(corpus.parse(DEMO_TUNE), DEMO_TUNE)[0]
    log(f"arranging '{title}' (O'Neill's Music of Ireland, 1850; public domain) as folk")
    piece = arrange(Material(score), "folk", seed=DEMO_SEED, repeats=2, intro_bars=2, outro_bars=2)
    log(f"rendering {piece.n_bars} bars at {piece.tempo_bpm:g} bpm in {piece.key} ({len(piece.score.tracks)} tracks)")
    rendered = render(piece.score, roles=piece.mix_roles, loudness="streaming")
    meta = ExportMeta(
        style=piece.style, key=piece.key, tempo_bpm=piece.tempo_bpm, seed=DEMO_SEED, title=title,
        controls={"style": piece.style, "repeats": 2, "intro_bars": 2, "outro_bars": 2},
        model_versions={"arranger": "museforge.music.arrange (rule-based, MMA grooves)"},
        provenance={"melody": f"music21 corpus {DEMO_TUNE}: {title} (public domain)",
                    "credits": list(piece.credits), "soundfont": rendered.soundfont.name},
    )
    paths = export_audio(rendered.audio, folder, meta, stems=rendered.stems, extra=rendered.measurements())
    paths += export_midi(piece.score, folder, meta)
    return paths


def _sound_effects(folder: Path, log: Callable[[str], None]) -> list[Path]:
    import museforge.sfx  # noqa: F401  (registers the recipes)
    from museforge.sfx.batch import export_batch
    from museforge.sfx.loop import render_loop
    from museforge.sfx.recipe import get_recipe

    log("rendering sound effects: rain loop, impact variations, retro coin")
    items = [(render_loop("rain", preset="heavy roof", duration_s=10.0, seed=DEMO_SEED), "RAIN", "Heavy Roof Loop",
              DEMO_SEED)]
    impact = get_recipe("impact")
    for i in range(4):
        items.append((impact.render({"material": "wood"}, seed=DEMO_SEED + i), "IMPCT", "Wood Knock", DEMO_SEED + i))
    items.append((get_recipe("retro_coin").render(seed=DEMO_SEED), "GAMEMisc", "Coin", DEMO_SEED))
    return export_batch(items, folder, on_exists="rename")
