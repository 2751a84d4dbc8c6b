"""`museforge sfx ...`: list procedural sound recipes and render them (variations, loops, batches).

Thin adapter over museforge.sfx; heavy imports happen inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import typer

from museforge.errors import MuseforgeError
from museforge.serve.cli_common import JSON_OPTION, busy, print_json, progress_bar, run

app = typer.Typer(help="Procedural sound effects: recipes, presets, variations, seamless loops.",
                  no_args_is_help=True, add_completion=False)


def parse_assignments(assignments: list[str]) -> dict[str, float | str]:
    """``["intensity=0.8", "surface=roof"]`` -> values (numbers where they parse)."""
    values: dict[str, float | str] = {}
    for item in assignments:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise MuseforgeError(f"--set needs name=value, got {item!r}")
        try:
            values[name.strip()] = float(raw)
        except ValueError:
            values[name.strip()] = raw.strip()
    return values


@app.command("list")
def list_recipes(recipe: str = typer.Argument(None, help="show only this recipe")) -> None:
    """Recipes with their category, parameters (ranges, units) and presets."""
    from museforge.sfx.recipe import get_recipe, recipe_names

    for name in [recipe] if recipe else recipe_names():
        r = get_recipe(name)
        kind = "ambience (loopable, streamable)" if r.loopable else "one-shot"
        typer.echo(f"{r.name}  [{r.category}, {kind}]")
        for p in r.params:
            allowed = "|".join(p.choices) if p.choices else f"{p.low:g}..{p.high:g}"
            typer.echo(f"    {p.name:<16} {allowed:<36} default {p.default}  {p.doc}")
        if r.presets:
            typer.echo(f"    presets: {', '.join(repr(k) for k in r.presets)}")


@app.command()
def render(
    recipe: str = typer.Argument(..., help="recipe name (see `museforge sfx list`)"),
    preset: str = typer.Option(None, "--preset", "-p", help="preset name"),
    set_: list[str] = typer.Option([], "--set", "-s", help="parameter override name=value (repeatable)"),
    seconds: float = typer.Option(None, "--seconds", help="length; ambiences default 10 s, one-shots natural"),
    seed: int = typer.Option(0, "--seed", help="random seed (variation i uses seed + i)"),
    variations: int = typer.Option(1, "--variations", "-n", help="how many variations to render"),
    spread: float = typer.Option(0.1, "--spread", help="parameter spread between variations, 0..1"),
    lock: list[str] = typer.Option([], "--lock", help="parameter kept fixed across variations (repeatable)"),
    randomize_: bool = typer.Option(False, "--randomize", help="draw every unlocked parameter at random "
                                    "(sfxr's Randomize), one draw per variation seed"),
    loop: bool = typer.Option(False, "--loop", help="seamless loop (ambiences only)"),
    automate: str = typer.Option(None, "--automate", help="ambiences: breakpoints 'name=t:v,t:v;name2=t:v' "
                                 "rendered through the block streamer"),
    sample_rate: int = typer.Option(48_000, "--sample-rate", help="Hz"),
    channels: int = typer.Option(None, "--channels", help="1 or 2 (default: stereo ambiences, mono one-shots)"),
    normalize: str = typer.Option("auto", "--normalize", help="auto|peak|loudness|none (auto: peak for one-shots)"),
    level_db: float = typer.Option(None, "--level-db", help="peak dBFS or LUFS target"),
    fmt: str = typer.Option("wav", "--format", help="wav|flac|ogg"),
    out: Path = typer.Option(Path("."), "--out", "-o", help="output directory"),
    on_exists: str = typer.Option("error", "--on-exists", help="error|rename|overwrite if a file exists"),
    creator: str = typer.Option("museforge", "--creator", help="UCS CreatorID in file names"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Render a recipe to UCS-named files (each with a JSON sidecar) and print each path with its seed.

    Example: museforge sfx render rain -p "heavy roof" --seconds 30 --loop -n 4 --seed 7
    """
    import numpy as np

    from museforge.api import SFX_GENERATOR
    from museforge.sfx.batch import export_batch
    from museforge.sfx.loop import render_loop
    from museforge.sfx.recipe import get_recipe, normalize_audio
    from museforge.sfx.stream import parse_automation, render_stream
    from museforge.sfx.variations import mutate, randomize

    r = get_recipe(recipe)
    values = parse_assignments(set_)
    base = r.resolve(values, preset)
    mode = {"auto": None if r.loopable else "peak", "none": None}.get(normalize, normalize)
    if loop and not r.loopable:
        raise MuseforgeError(f"{r.name} is a one-shot; --loop works for ambiences")
    if automate and loop:
        raise MuseforgeError("--automate and --loop cannot be combined (an automated sound does not repeat)")
    automation = parse_automation(automate) if automate else None
    if not 1 <= variations <= 1000:
        raise MuseforgeError(f"--variations must be in [1, 1000], got {variations}")
    # FX name: the preset, else the recipe plus the categorical choices the user set ("Impact Glass").
    fx_name = preset or " ".join([r.name.replace("_", " ")] + [str(v) for k, v in values.items()
                                                               if r.param(k).choices is not None])
    items, drawn = [], {}
    controls = {"recipe": r.name, "preset": preset, "seconds": seconds, "loop": loop, "sample_rate": sample_rate,
                "normalize": normalize, "level_db": level_db, "spread": spread, "randomize": randomize_,
                "lock": list(lock), "automate": automate}
    with progress_bar(variations, f"rendering {r.name}") as advance:
        for i in range(variations):
            seed_i = seed + i
            if randomize_:
                params = randomize(r, np.random.default_rng([seed_i, 2]), base, lock)
            else:
                params = base if variations == 1 else \
                    mutate(r, base, np.random.default_rng([seed_i, 1]), spread, lock)
            if automation is not None:
                audio = render_stream(r, automation, duration_s=seconds or r.default_duration_s,
                                      block_frames=512, sample_rate=sample_rate, seed=seed_i, n_channels=channels,
                                      values=params)
            elif loop:
                audio = render_loop(r, params, duration_s=seconds or r.default_duration_s,
                                    sample_rate=sample_rate, seed=seed_i, n_channels=channels)
            else:
                audio = r.render(params, duration_s=seconds, sample_rate=sample_rate, seed=seed_i,
                                 n_channels=channels)
            drawn[seed_i] = params
            items.append((normalize_audio(audio, mode, level_db), r.ucs_cat_id, fx_name, seed_i))
            advance()
    sidecars = [{"kind": "sfx", "recipe": r.name, "preset": preset, "seed": seed_i, "generator": SFX_GENERATOR,
                 "params": drawn[seed_i], "controls": {**controls, "params": drawn[seed_i]}, "training_data": None}
                for *_rest, seed_i in items]
    paths = export_batch(items, out, creator_id=creator, ext=fmt, on_exists=on_exists, sidecars=sidecars)
    if as_json:
        print_json({"files": [{"path": str(path), "sidecar": str(path) + ".json", "seed": seed_i,
                               "duration_s": audio.duration_s, "peak_dbfs": audio.peak_dbfs(),
                               "loop": None if audio.loop is None else [audio.loop.start_frame, audio.loop.end_frame],
                               "params": drawn[seed_i]}
                              for path, (audio, *_rest, seed_i) in zip(paths, items)]})
        return
    for path, (audio, *_rest, seed_i) in zip(paths, items):
        loop_note = f" loop {audio.loop.start_frame}-{audio.loop.end_frame}" if audio.loop else ""
        typer.echo(f"{path}  seed={seed_i}  {audio.duration_s:.3f}s  peak {audio.peak_dbfs():.1f} dBFS{loop_note}")
        if randomize_ or (variations > 1 and spread > 0):  # the drawn values, so a keeper can be re-made
            typer.echo("    " + " ".join(f"--set {k}={v:.4g}" if isinstance(v, float) else f"--set {k}={v}"
                                         for k, v in drawn[seed_i].items()))



LAYER_KEYS = ("preset", "offset_s", "gain_db", "seconds")


def parse_layer(spec: str):
    """``"rain,preset=heavy roof,gain_db=-3"`` -> Layer (other keys are recipe parameters)."""
    from museforge.sfx.layer import Layer

    name, *pairs = [part.strip() for part in spec.split(",")]
    fields, values = parse_assignments([p for p in pairs if p.split("=")[0].strip() in LAYER_KEYS]), \
        parse_assignments([p for p in pairs if p.split("=")[0].strip() not in LAYER_KEYS])
    return Layer(name, values, preset=fields.get("preset"), offset_s=float(fields.get("offset_s", 0.0)),
                 gain_db=float(fields.get("gain_db", 0.0)),
                 duration_s=float(fields["seconds"]) if "seconds" in fields else None)


@app.command()
def mix(
    layers: list[str] = typer.Argument(..., help="layers: 'recipe,preset=P,offset_s=1.5,gain_db=-6,seconds=8,param=v'"),
    name: str = typer.Option("layered", "--name", help="FX name in the file name"),
    seconds: float = typer.Option(None, "--seconds", help="total length (default: until the last layer ends)"),
    seed: int = typer.Option(0, "--seed", help="random seed (layer i uses seed + i)"),
    sample_rate: int = typer.Option(48_000, "--sample-rate", help="Hz"),
    normalize: str = typer.Option("peak", "--normalize", help="peak|loudness|none"),
    level_db: float = typer.Option(None, "--level-db", help="peak dBFS or LUFS target"),
    fmt: str = typer.Option("wav", "--format", help="wav|flac|ogg"),
    out: Path = typer.Option(Path("."), "--out", "-o", help="output directory"),
    on_exists: str = typer.Option("error", "--on-exists", help="error|rename|overwrite if a file exists"),
    cat_id: str = typer.Option("AMB", "--cat-id", help="UCS CatID for the file name"),
) -> None:
    """Layer several recipes (offsets, gains) into one stereo sound."""
    from museforge.sfx.batch import export_batch
    from museforge.sfx.layer import render_layers

    with busy(f"mixing {len(layers)} layers"):
        audio = render_layers([parse_layer(spec) for spec in layers], duration_s=seconds, sample_rate=sample_rate,
                              seed=seed, normalize=None if normalize == "none" else normalize, level_db=level_db)
    from museforge.api import SFX_GENERATOR

    provenance = {"kind": "sfx", "recipe": "layers", "seed": seed, "generator": SFX_GENERATOR,
                  "controls": {"layers": list(layers), "seconds": seconds, "sample_rate": sample_rate,
                               "normalize": normalize, "level_db": level_db}, "training_data": None}
    path = export_batch([(audio, cat_id, name, seed)], out, ext=fmt, on_exists=on_exists, sidecars=[provenance])[0]
    typer.echo(f"{path}  seed={seed}  {audio.duration_s:.3f}s  peak {audio.peak_dbfs():.1f} dBFS")


def main() -> None:
    """Run this sub-app alone (``python -m museforge.serve.cli_sfx``) with the root CLI's error style."""
    run(app)


if __name__ == "__main__":
    main()
