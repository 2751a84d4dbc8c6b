"""Turn the spans :mod:`museforge.prompt` recognised into validated music or sound-effect controls.

Each builder takes the explicit-value hits ``(start, span, field, value)``, the keyword hits
``(start, end, span, meanings)`` and the (normalised) prompt text, and returns
``(controls, understood, unused spans)``. A span whose meanings do not apply to the chosen kind
(a tempo in a sound-effect prompt, "rain" in a song prompt) is reported as unused rather than
dropped silently.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from museforge import prompt_lexicon as lex
from museforge.controls import MAX_LAYERS, MOODS, MusicControls, SfxControls, SfxLayer, roman_to_chords
from museforge.errors import MuseforgeError


class Understood(NamedTuple):
    span: str  # the text as written in the prompt
    field: str  # control it set, e.g. "tempo_bpm", "params.surface", "layers"
    value: object


def _understood(start: int, span: str, field: str, value: object) -> tuple[int, Understood]:
    return start, Understood(span, field, value)


def _validated(cls: type, fields: dict, spans: list[str]):
    try:
        return cls(**fields)
    except MuseforgeError as exc:
        raise MuseforgeError(f"{exc} (read from the prompt: {', '.join(repr(s) for s in spans)})") from None


def implied_recipe(effect: dict) -> str | None:
    """The one sound a modifier can only describe ("heels", "gravel": footsteps), or None."""
    recipes = [recipe for recipe, (param, _) in effect.items() if (recipe, param) in lex.IMPLIED_BY_PARAM]
    return recipes[0] if len(effect) == 1 and recipes else None


def _mood(vectors: list[tuple[float, float]]) -> str | None:
    if not vectors:
        return None
    valence, arousal = sum(v for v, _ in vectors), sum(a for _, a in vectors)
    first_v, first_a = vectors[0]
    valence = valence if abs(valence) > 1e-9 else first_v  # a tie goes to the first word
    arousal = arousal if abs(arousal) > 1e-9 else first_a
    return next(m for m, (v, a) in MOODS.items() if (v > 0) == (valence > 0) and (a > 0) == (arousal > 0))


def build_music(hits: list, keywords: list, text: str) -> tuple[MusicControls, list, list[str]]:
    fields: dict = {}
    understood, unused, spans = [], [], []
    roman = None
    for start, span, field, value in sorted(hits, key=lambda h: h[0]):
        field = "duration_s" if field == "lasting" else field  # a piece "lasting 90 seconds"
        target = {"key": "tonic"}.get(field, field)
        if field in ("variations", "steps", "param") or (target in fields and field not in ("exclude", "mode")):
            unused.append(span)
            continue
        spans.append(span)
        if field == "key":
            fields["tonic"], fields["mode"] = value
        elif field == "mode":
            fields.setdefault("mode", value)
        elif field == "exclude":
            fields["exclude"] = tuple(dict.fromkeys((*fields.get("exclude", ()), *value)))
        elif field == "roman":
            roman = (start, span, value)
            continue
        else:
            fields[field] = value
        understood.append(_understood(start, span, field, value))
    moods, instruments = [], []
    named_style = any(kind == "style" for *_, meanings in keywords for kind, _ in meanings)
    for start, _end, span, meanings in keywords:
        used = False
        for kind, value in meanings:
            if kind == "retro" and named_style:
                used = True  # "retro electronic": the named style wins; retro just agrees
                continue
            if kind == "style" and ("style" not in fields or lex.STYLE_REFINES.get(value) == fields["style"]):
                fields["style"] = value  # the first style, or one that refines it ("Bach-style chorale")
            elif kind == "retro" and "style" not in fields:
                kind, value = "style", "chiptune"
                fields["style"] = value
            elif kind == "mood" and span.lower() in lex.MOODS_NAMING_STYLE and not named_style \
                    and "style" not in fields:
                # "romantic duet for violin and piano": with no style word, "romantic" names the era, not a mood
                kind, value = "style", lex.MOODS_NAMING_STYLE[span.lower()]
                fields["style"] = value
            elif kind == "mood":
                moods.append(value)
                value = _mood([value])
            elif kind == "tempo_bpm" and "tempo_bpm" not in fields:
                fields["tempo_bpm"] = value
            elif kind == "density" and "density" not in fields:
                fields["density"] = value
            elif kind in ("instruments", "instrument_weak"):
                kind = "instruments"
                value = tuple(_regional(n, span, text) for n in value)
                value = tuple(n for n in value if n not in fields.get("exclude", ()) and n not in instruments)
                instruments.extend(value)
            elif kind == "loop":
                fields["loop"] = value = True
            elif kind == "music":
                kind, value = "kind", "music"
            elif kind == "filler":
                used = True
                continue
            else:
                continue
            used = True
            understood.append(_understood(start, span, kind, value))
        if not used:
            unused.append(span)
    if instruments:
        fields["instruments"] = tuple(instruments)
    if moods:
        fields["mood"] = _mood(moods)
    if "style" not in fields and fields.get("instruments") == ("piano",):
        fields["style"] = "piano"  # a piece for piano alone gets the solo-piano arrangement
    elif fields.get("style") == "piano" and set(fields.get("instruments", ())) - {"piano"}:
        del fields["style"]  # "cello and piano piece" is not a solo-piano piece
        understood = [u for u in understood if u[1].field != "style"]
    if fields.get("style") == "waltz" and "time_signature" not in fields:
        fields["time_signature"] = "3/4"
    if roman is not None and "chords" not in fields:
        start, span, numerals = roman
        mode = fields.get("mode") or ("minor" if numerals[0].lstrip("b#♭♯")[:1] == "i" else "major")
        fields["chords"] = roman_to_chords(numerals, fields.get("tonic") or "C", mode)
        understood.append(_understood(start, span, "chords", fields["chords"]))
        spans.append(span)
    understood.sort(key=lambda u: u[0])
    return _validated(MusicControls, fields, spans), [u for _, u in understood], unused


def _regional(name: str, span: str, text: str) -> str:
    """The instrument ``span`` names in this prompt's region: 筝 in a Japanese piece is a koto."""
    lower = text.lower()
    for context, replace in lex.REGIONAL_INSTRUMENTS:
        if span.lower() in replace and any(word in lower for word in context):
            return replace[span.lower()]
    return name


def build_sfx(hits: list, keywords: list, text: str) -> tuple[SfxControls, list, list[str]]:
    from museforge.sfx.recipe import get_recipe, recipe_names

    retro_from = _retro_scope(keywords)
    sounds: list[list] = []  # [start, recipe, preset, params, span]
    understood, unused, modifiers, loop_spans = [], [], [], []
    last_end, last_named = -1, False
    for start, end, span, meanings in keywords:
        kinds = dict(meanings)
        named = kinds.get("sfx_combo") or ((kinds["sfx"],) if "sfx" in kinds else ())
        compound = last_named and named and not text[last_end:start].strip()
        # "挥剑的呼啸声": the whistle of the sound just named, not a howling wind
        of_previous = last_named and named and text[last_end:start] == "的" and span in lex.SOUND_OF_PREVIOUS_ZH
        last_end, last_named = end, bool(named)
        if (compound and named[0][0] != sounds[-1][1]) or of_previous:
            unused.append(span)  # "laser blast" names one sound, not a laser with an explosion
            continue
        for recipe, preset, params in named:
            if start > retro_from and recipe in lex.RETRO_RECIPE:
                recipe, preset, params = lex.RETRO_RECIPE[recipe], None, {}
            same = next((s for s in sounds if s[1] == recipe), None)
            if same is None:
                sounds.append([start, recipe, preset, dict(params), span])
            else:
                generic = same[4].lower() in lex.GENERIC_PRESET_WORDS
                same[2] = preset if preset and generic else same[2] or preset
                same[3].update(params)
            understood.append(_understood(start, span, "recipe" if len(sounds) == 1 else "layers", recipe))
        if named:
            continue
        if "sfx_mod" in kinds:
            modifiers.append((start, span, kinds["sfx_mod"]))
        elif "loop" in kinds:
            loop_spans.append((start, span))
        elif "sfx_word" in kinds or "retro" in kinds:
            understood.append(_understood(start, span, "kind", "sfx"))
        elif "filler" in kinds:
            continue
        else:
            unused.append(span)
    verbs = [s for s in sounds if s[4] in lex.VERB_SOUNDS_ZH] if len(sounds) > 1 else []
    for sound in verbs[:len(sounds) - 1]:  # "打字声，敲30下键盘": 敲 is how the keys are struck, not an impact
        sounds.remove(sound)
        unused.append(sound[4])
        understood = [(start, u) for start, u in understood if start != sound[0]]
    if _head_noun_first(sounds, text) or verbs:  # fix which understood span named the recipe
        understood = [(start, u._replace(field="recipe" if u.value == sounds[0][1] else "layers"))
                      if u.field in ("recipe", "layers") else (start, u) for start, u in understood]
    if not sounds:
        sounds = _implied_sound(hits, modifiers)
    folded = _raw_generator_preset(sounds, hits)
    if folded:  # "用jsfxr的powerup预设，p_arp_mod设为0.6": the category is the generator's preset
        understood = [(start, u._replace(field="preset", value=folded[1]) if start == folded[0] else u)
                      for start, u in understood]
    if not sounds:
        raise MuseforgeError("the prompt asks for a sound effect but names no sound this version knows; "
                             f"sounds: {', '.join(recipe_names())}")
    for start, span, effect in modifiers:
        targets = [s for s in sounds if s[1] in effect]
        if not targets:
            unused.append(span)
            continue
        sound = min(targets, key=lambda s: abs(s[0] - start))
        param, value = effect[sound[1]]
        sound[3][param] = value
        understood.append(_understood(start, span, f"params.{param}" if sound is sounds[0] else
                                      f"layers.{sound[1]}.{param}", value))
    for start, span, field, value in hits:
        target = _set_param(sounds, value) if field == "param" else None
        if target:
            sound, name = target
            understood.append(_understood(start, span, f"params.{name}" if sound is sounds[0] else
                                          f"layers.{sound[1]}.{name}", sound[3][name]))
    for sound in sounds:
        _preset_from_modifiers(sound)
    for sound in sounds:
        if sound[2] is None:  # Chinese words that name a preset ("高跟鞋 ... 水泥地" -> heels on concrete)
            hint = _preset_hint(sound[1], text)
            if hint:
                sound[2] = hint[1]
                understood.append(_understood(text.find(hint[0]), hint[0], "preset" if sound is sounds[0] else
                                              f"layers.{sound[1]}.preset", hint[1]))
    for sound in sounds:  # a modifier that repeats the preset's own value adds nothing
        preset_values = type(get_recipe(sound[1])).presets.get(sound[2] or "", {})
        sound[3] = {k: v for k, v in sound[3].items() if preset_values.get(k, object()) != v}
    fields: dict = {"recipe": sounds[0][1], "preset": sounds[0][2], "params": sounds[0][3],
                    "layers": tuple(SfxLayer(r, p, q) for _, r, p, q, _ in sounds[1:MAX_LAYERS + 1])}
    spans = [s[4] for s in sounds]
    for start, span in loop_spans:
        if type(get_recipe(fields["recipe"])).loopable:
            fields["loop"] = True
            understood.append(_understood(start, span, "loop", True))
        else:
            unused.append(span)
    for start, span, field, value in sorted(hits, key=lambda h: h[0]):
        if field == "lasting":  # the recipe's own length ("healing spell lasting 4 s"), else the duration
            name = lex.LASTING_PARAMS.get(fields["recipe"])
            if name and name not in fields["params"]:
                fields["params"][name] = float(value)
                understood.append(_understood(start, span, f"params.{name}", float(value)))
                spans.append(span)
                continue
            field = "duration_s"
        if field == "duration_s" and "duration_s" not in fields and _duration_param(fields, value):
            name = lex.DURATION_PARAMS[fields["recipe"]]  # "power charge spell, 3 seconds": the spell's length
            fields["params"][name] = float(value)
            understood.append(_understood(start, span, f"params.{name}", float(value)))
            spans.append(span)
            continue
        if field == "param" and any(u.span == span for _, u in understood):
            spans.append(span)
        elif field == "steps" and fields["recipe"] == "footsteps":
            fields["params"]["steps"] = float(value)  # "6 steps": the footsteps recipe's own count
            understood.append(_understood(start, span, "params.steps", float(value)))
            spans.append(span)
        elif field in ("duration_s", "variations", "seed") and field not in fields:
            fields[field] = int(value) if field != "duration_s" else value
            understood.append(_understood(start, span, field, value))
            spans.append(span)
        else:
            unused.append(span)
    understood.sort(key=lambda u: u[0])
    return _validated(SfxControls, fields, spans), [u for _, u in understood], unused


def _retro_scope(keywords: list) -> float:
    """Where the retro words' reach starts: sounds named after this offset are the sfxr-style ones.

    A retro word ("8-bit", "复古") reaches the sounds named after it ("grenade explosion layered with a retro
    explosion" keeps the grenade real), or every sound when it comes after all of them ("explosion, 8-bit").
    No retro word: infinity.
    """
    retro = [start for start, _, _, meanings in keywords if any(kind == "retro" for kind, _ in meanings)]
    if not retro:
        return math.inf
    named_after = any(start > retro[0] and any(kind in ("sfx", "sfx_combo") for kind, _ in meanings)
                      for start, _, _, meanings in keywords)
    return retro[0] if named_after else -1


def _duration_param(fields: dict, value: float) -> bool:
    """Whether a bare duration is the recipe's own length parameter (lex.DURATION_PARAMS), unset and in range."""
    from museforge.sfx.recipe import get_recipe

    name = lex.DURATION_PARAMS.get(fields["recipe"])
    if name is None or name in fields["params"]:
        return False
    param = next(p for p in type(get_recipe(fields["recipe"])).params if p.name == name)
    return param.low <= value <= param.high


def _preset_from_modifiers(sound: list) -> None:
    """Presets the modifiers spell out, and presets a named material contradicts.

    With no preset named, modifiers that together are one (lex.PRESET_BY_MODIFIERS: a wooden door that
    opens) pick it. A preset named by a generic word ("tap" -> plastic tap) whose material (or kind) a
    modifier or phrase contradicts ("tap on a wine glass") becomes the recipe's one preset of that
    material (glass tink) when it agrees with the named preset on every other choice (several: the one
    sharing a word of the name, "motorbike engine, revving" -> motorbike revving); otherwise the preset
    stays and the material is set on it ("metal door slam").
    """
    from museforge.sfx.recipe import get_recipe

    recipe, preset, params = sound[1], sound[2], sound[3]
    if preset is None:
        sound[2] = next((name for want, name in lex.PRESET_BY_MODIFIERS.get(recipe, ())
                         if all(params.get(k) == v for k, v in want.items())), None)
        return
    cls = type(get_recipe(recipe))
    named = cls.presets[preset]
    for chosen in ("material", "kind"):  # what the sound is made of, or which engine/spell/water it is
        if chosen not in params or named.get(chosen, params[chosen]) == params[chosen]:
            continue
        choices = [p.name for p in cls.params if p.choices and p.name != chosen]
        same = [name for name, values in cls.presets.items() if values.get(chosen) == params[chosen]
                and all(values.get(c) == named.get(c) for c in choices)]
        if len(same) > 1:  # "motorbike ... revving": the one that shares the rest of the name ("revving")
            same = [name for name in same if set(name.split()) & set(preset.split())]
        if len(same) == 1:
            sound[2] = same[0]
        return


def _implied_sound(hits: list, modifiers: list) -> list[list]:
    """No sound named: one a footsteps count, a shoe or surface ("穿靴子走在碎石路上"), a struck material
    or a parameter only one recipe has ("风速12米每秒") describes; [] if none does."""
    from museforge.sfx.recipe import get_recipe, recipe_names

    for start, span, field, value in sorted(hits, key=lambda h: h[0]):
        if field == "steps":
            return [[start, "footsteps", None, {}, span]]
        if field == "param":
            owners = [name for name in recipe_names() if not name.startswith("retro_")
                      and any(p.name in value[0] for p in type(get_recipe(name)).params)]
            if len(owners) == 1:
                return [[start, owners[0], None, {}, span]]
    for start, span, effect in modifiers:
        recipe = implied_recipe(effect)
        if recipe:
            return [[start, recipe, None, {}, span]]
    return []


def _raw_generator_preset(sounds: list[list], hits: list) -> tuple[int, str] | None:
    """Raw jsfxr parameters ("p_arp_mod 0.6") belong to the raw generator (recipe "retro") alone: a retro
    category named with them, or beside the generator ("jsfxr generator, laser preset"), is the generator's
    preset of that name. Changes ``sounds`` in place; returns (start of the folded span, preset) or None."""
    from museforge.sfx.recipe import get_recipe

    raw = any(field == "param" and all(c.startswith("p_") for c in value[0]) for _, _, field, value in hits)
    generator = next((s for s in sounds if s[1] == "retro"), None)
    category = next((s for s in sounds if getattr(type(get_recipe(s[1])), "sfxr_category", None)), None)
    if category is None or not (raw or generator) or (generator and generator[2]):
        return None
    preset = type(get_recipe(category[1])).sfxr_category
    if generator is None:
        category[1:4] = ["retro", preset, {}]
    else:
        generator[2] = preset
        sounds.remove(category)
    return category[0], preset


def _set_param(sounds: list[list], value: tuple) -> tuple[list, str] | None:
    """Give ``(candidate names, number)`` to the first sound that has one of the names (main sound
    first); choices such as mains "60" take the number as text. Returns (sound, parameter) or None."""
    from museforge.sfx.recipe import get_recipe

    candidates, number = value
    for sound in sounds:
        params = {p.name: p for p in type(get_recipe(sound[1])).params}
        name = next((c for c in candidates if c in params), None)
        if name is not None:
            choices = params[name].choices
            sound[3][name] = f"{number:g}" if choices else float(number)
            return sound, name
    return None


def _preset_hint(recipe: str, text: str) -> tuple[str, str] | None:
    """(first word found, preset) when every word group of a preset hint is in the text."""
    for preset, groups in lex.PRESET_HINTS_ZH.get(recipe, {}).items():
        found = [next((w for w in group if w in text), None) for group in groups]
        if all(found):
            return found[0], preset
    return None


_LOCATIVE_ZH = ("中的", "里的", "上的", "下的", "边的", "旁的", "天的")  # "下雨天的城市街道": a street


def _head_noun_first(sounds: list[list], text: str) -> bool:
    """Chinese puts the head noun last: in "海滩上的篝火" (a bonfire on the beach) and "暴风雨中的海浪"
    the sound is the second one named, the first its place. Moves it first; True if it did."""
    if not sounds:
        return False
    first = sounds[0]
    later = next((s for s in sounds if s[0] > first[0]), None)
    if later is None or text[first[0] + len(first[4]):later[0]] not in _LOCATIVE_ZH:
        return False
    sounds.remove(later)
    sounds.insert(0, later)
    return True
