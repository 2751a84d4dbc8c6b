"""Composing with the Transformer: controls -> a valid, decodable multi-instrument Score.

Every entry point writes the control prefix, then samples REMI tokens through the model's
KV-cached ``generate`` with a :class:`~museforge.music.grammar.GrammarProcessor`, so any model,
even an untrained one, yields a sequence that decodes. Pieces longer than the model's context are
written with a sliding window: the control prefix stays, followed by the most recent whole bars
that fit in half the context. All settings are call arguments; the same seed, controls and model
give the same output.

- :func:`compose`: a new piece from controls; :func:`compose_variations`: several, batched.
- :func:`continue_score`, :func:`infill`, :func:`harmonise`: work on an existing score; they live in
  :mod:`museforge.music.rework` and are importable from here too.
- :func:`compose_long`: a sectioned piece (``"AABA"``); a return of a section brings its melody back
  under freshly written parts, and contrasting sections get their own harmony.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from symusic import Score, Tempo, TimeSignature

from museforge.controls import MAX_VARIATIONS, MusicControls
from museforge.errors import MuseforgeError, check_range
from museforge.music.checkpoint import CHECKPOINT_PLACES, find_checkpoint  # noqa: F401  (re-exported)
from museforge.music.compose_request import (Request, cadence_split, chord_fields, chords_per_bar, make_plan,
                                              resolve)
from museforge.music.convert import cut_notes_at, end_single_lines_at_next_note
from museforge.music.grammar import (MAX_NOTES_PER_BAR, POSITIONS_PER_BEAT, GrammarProcessor, GrammarState, Plan,
                                     Vocab)
from museforge.music.tokenizer import DRUMS, Tokenizer

MIN_ROOM = 48  # context tokens left after the control prefix: below this a window can't hold a bar


@dataclass
class Composition:
    """A generated piece.

    Attributes:
        score: The music (symusic Score, ticks).
        token_ids: Control prefix + every body token the model wrote (+ EOS), over all windows.
        prompt_ids: Body tokens given as the prompt (primer or left context), empty for new pieces.
        record: The decided request, sampling settings and method: what to save beside the piece.
    """

    score: Score
    token_ids: list[int]
    prompt_ids: list[int] = field(default_factory=list)
    record: dict = field(default_factory=dict)


@lru_cache(maxsize=4)
def _vocab(tokenizer: Tokenizer) -> Vocab:
    return Vocab(tokenizer)


def _check_model(model, tokenizer: Tokenizer) -> None:
    size = getattr(getattr(model, "cfg", None), "vocab_size", None)
    if size != tokenizer.vocab_size:
        raise MuseforgeError(f"the model's vocabulary ({size}) does not match the tokenizer's "
                             f"({tokenizer.vocab_size}); load a composer trained with this tokenizer")


def _check_sampling(temperature: float, top_k: int, top_p: float) -> None:
    check_range("temperature", temperature, 0.0, 10.0)
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
        raise MuseforgeError(f"top_k must be a whole number >= 0 (0 = off), got {top_k!r}")
    check_range("top_p", top_p, 1e-6, 1.0)


def _tail(history: list[int], keep: int, bar_id: int) -> list[int]:
    """The longest suffix of ``history`` within ``keep`` tokens that starts on a Bar (else the last ``keep``)."""
    if len(history) <= keep:
        return list(history)
    first = len(history) - keep
    for i in range(first, len(history)):
        if history[i] == bar_id:
            return history[i:]
    return history[-keep:]


def sample_body(model, tokenizer: Tokenizer, prefix: list[int], body: list[int], plan: Plan, *,
                temperature: float, top_k: int, top_p: float, seed: int, after: list[int] = ()) -> list[int]:
    """Write body tokens after ``prefix + body`` until the plan's last bar ends (EOS not included).

    The grammar state reads ``body`` first, so a primer's bars count toward the plan's bar numbers.
    ``after``: bars that follow the new ones (fill-in-the-middle; see :func:`sample_rows`).
    """
    return sample_rows(model, tokenizer, prefix, body, plan, 1, temperature=temperature, top_k=top_k,
                       top_p=top_p, seed=seed, after=after)[0]


def sample_rows(model, tokenizer: Tokenizer, prefix: list[int], body: list[int], plan: Plan, rows: int, *,
                temperature: float, top_k: int, top_p: float, seed: int, after: list[int] = ()) -> list[list[int]]:
    """``rows`` independent bodies for one prompt: the first window is sampled as one batch (one
    forward pass per token for all rows); a row that needs more windows then slides on its own.

    ``after`` (a model trained for fill-in-the-middle only): REMI bars that come after the new ones.
    The first window is then laid out as in training, ``prefix, body tail, MASK, after, MASK``, so
    the new bars can lead into them; ``after`` should take at most a quarter of the context.
    """
    _check_model(model, tokenizer)
    _check_sampling(temperature, top_k, top_p)
    room = model.cfg.context_len - len(prefix)
    if room < MIN_ROOM:
        raise MuseforgeError(f"the model's context ({model.cfg.context_len} tokens) leaves {room} after the "
                             f"{len(prefix)}-token control prefix; need at least {MIN_ROOM}")
    fim = [tokenizer.vocab["MASK_None"], *after, tokenizer.vocab["MASK_None"]] if after else []
    if fim and not model.cfg.fim:
        raise MuseforgeError("this composer was not trained for fill-in-the-middle; it cannot use the bars after a gap")
    if len(fim) > room // 2:
        raise MuseforgeError(f"{len(after)} tokens after the gap leave too little of the {room}-token context")
    states = [GrammarState(_vocab(tokenizer), plan) for _ in range(rows)]
    for state in states:
        for token in body:
            state.feed(token)
    bar_id = tokenizer.vocab["Bar_None"]
    limit = (plan.n_bars + 1) * (2 + plan.positions_per_bar + MAX_NOTES_PER_BAR * 4) + 64
    generated: list[list[int]] = [[] for _ in range(rows)]
    call = 0
    while not all(state.done for state in states):
        active = [r for r in range(rows) if not states[r].done] if call else list(range(rows))
        if call:
            active = active[:1]  # after the shared first window, each row slides alone
        history = body + generated[active[0]]
        if call == 0 and fim:
            prompt = prefix + _tail(body, max(0, (room - len(fim)) // 2), bar_id) + fim
        else:
            keep = room - 1 if call == 0 and len(history) < room - MIN_ROOM // 2 else room // 2
            prompt = prefix + _tail(history, keep, bar_id)
        processor = GrammarProcessor([states[r] for r in active])
        processor.start_call(len(prompt))
        out = model.generate([prompt] * len(active), max_new_tokens=model.cfg.context_len - len(prompt),
                             temperature=temperature, top_k=top_k, top_p=top_p,
                             seed=(seed + 1_000_003 * call + 7919 * active[0]) % 2**63, logits_processor=processor)
        processor.catch_up(out)
        for k, r in enumerate(active):
            new = out[k].tolist()
            generated[r] += new[:new.index(tokenizer.eos_id)] if tokenizer.eos_id in new else new
            if len(generated[r]) > limit:  # the grammar caps every bar, so this is a bug, not bad input
                raise RuntimeError(f"grammar did not end the piece within {limit} tokens")
        call += 1
    return generated


# --- decoded scores ---------------------------------------------------------------------------

def _bar_ticks(tpq: int, request: Request) -> int:
    num, den = request.meter
    return num * 4 * tpq // den


def _finish(score: Score, request: Request, n_bars: int) -> Score:
    """The exact requested tempo and meter, and nothing sounding past the last bar."""
    num, den = request.meter
    score.tempos = [Tempo(0, request.tempo_bpm)]
    score.time_signatures = [TimeSignature(0, num, den)]
    return cut_notes_at(score, n_bars * _bar_ticks(score.ticks_per_quarter, request))


def _wants_groove_drums(request: Request) -> bool:
    """Drums asked for beside pitched parts: the groove table writes them (the model has never seen
    drums: its corpus has none); a drums-only request is still the model's."""
    return DRUMS in request.programs and any(p != DRUMS for p in request.programs)


def _add_groove_drums(score: Score, request: Request, plan: Plan, seed: int, record: dict) -> None:
    """Lay a groove-table drum part over ``score`` and say so (groove, licence, credit) in ``record``."""
    from museforge.music.compose_drums import groove_drums

    track, drums = groove_drums(request.style, request.meter, request.tempo_bpm, request.n_bars,
                                score.ticks_per_quarter, seed=seed, density=request.density,
                                velocity_target=plan.velocity_target, cadence=plan.cadence,
                                final_from=plan.final_onset)
    score.tracks.append(track)
    record["drums"] = drums
    record["credits"] = [*record.get("credits", []), drums["credit"]]


def _record(request: Request, method: str, seed: int, temperature: float, top_k: int, top_p: float,
            first_bar: int = 1, **extra) -> dict:
    out = {"method": method, **request.to_dict(), "seed": seed, "temperature": temperature, "top_k": top_k,
           "top_p": top_p, **extra}
    if request.chords:  # what each bar was actually written over (a repeated progression, the final tonic)
        parsed = chords_per_bar(request, request.n_bars, first_bar)
        out["chords_per_bar"] = [c.symbol if c else None for c in parsed]
        split = cadence_split(request, parsed) if method != "harmonise" else 0
        if split:  # the last bar's chord, then the held tonic from this beat of the bar (from 0) on
            out["final_chord"] = request.tonic + ("m" if request.mode == "minor" else "")
            out["final_chord_from_beat"] = split // POSITIONS_PER_BEAT
    return out


# --- entry points -----------------------------------------------------------------------------

def compose(model, tokenizer: Tokenizer, controls: MusicControls | None = None, *, temperature: float = 1.0,
            top_k: int = 0, top_p: float = 1.0, seed: int | None = None, keep_in_key: bool = False,
            programs: tuple[int, ...] | None = None, cadence: bool | None = None, **overrides) -> Composition:
    """Compose a new piece.

    Args:
        model: A ``Composer`` whose vocabulary is the tokenizer's.
        tokenizer: ``get_tokenizer()``.
        controls: What to compose (None = let the composer choose, reported in ``record["chosen"]``).
        temperature, top_k, top_p: Sampling settings (temperature 0 = greedy).
        seed: Random seed; None uses ``controls.seed`` or 0.
        keep_in_key: Keep pitched notes in the key's scale (drums exempt).
        programs: GM programs overriding the controls' instruments (-1 = drums).
        cadence: End on a held final chord (default: yes unless ``controls.loop``).
        **overrides: Request fields given directly (see :func:`~museforge.music.compose_request.resolve`).
    """
    return compose_variations(model, tokenizer, controls, 1, temperature=temperature, top_k=top_k, top_p=top_p,
                              seed=seed, keep_in_key=keep_in_key, programs=programs, cadence=cadence,
                              **overrides)[0]


def compose_variations(model, tokenizer: Tokenizer, controls: MusicControls | None = None, n: int = 4, *,
                       temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0, seed: int | None = None,
                       keep_in_key: bool = False, programs: tuple[int, ...] | None = None,
                       cadence: bool | None = None, **overrides) -> list[Composition]:
    """``n`` pieces for one request (same arguments as :func:`compose`), sampled as one batch while
    they fit in the context. Variation k is reproducible from (seed, n, k); ``compose`` is n = 1."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_VARIATIONS:
        raise MuseforgeError(f"n must be a whole number in [1, {MAX_VARIATIONS}], got {n!r}")
    seed = int(seed if seed is not None else (controls.seed if controls and controls.seed is not None else 0))
    request = resolve(controls, seed=seed, keep_in_key=keep_in_key, programs=programs, cadence=cadence,
                      **overrides)
    grooved = _wants_groove_drums(request)
    plan = make_plan(request, tokenizer, groove_drums=grooved)
    prefix = [tokenizer.bos_id, *(tokenizer.token_id(t) for t in request.controls().tokens())]
    bodies = sample_rows(model, tokenizer, prefix, [], plan, n, temperature=temperature, top_k=top_k,
                         top_p=top_p, seed=seed)
    extra = {"tempo_token": plan.tempo_token}
    pieces = []
    for k, body in enumerate(bodies):
        score = end_single_lines_at_next_note(_finish(tokenizer.decode(body), request, request.n_bars),
                                              plan.line_programs)
        record = _record(request, "compose", seed, temperature, top_k, top_p, **extra,
                         **({"variation": k, "variations": n} if n > 1 else {}))
        if grooved:
            _add_groove_drums(score, request, plan, seed + 7919 * k, record)
        pieces.append(Composition(score, [*prefix, *body, tokenizer.eos_id], [], record))
    return pieces


def section_plan(form: str, n_bars: int, motif_bars: int) -> tuple[list[tuple[str, int, int]], dict[int, int]]:
    """Sections as (letter, first bar, last bar) and the bar returns: each repeat of a letter replays
    the first ``motif_bars`` bars of its first occurrence (at most all but its last bar)."""
    if not form or not form.isalpha() or len(form) > n_bars:
        raise MuseforgeError(f"form must be 1-{n_bars} letters such as 'AABA', got {form!r}")
    base, extra = divmod(n_bars, len(form))
    sections, first_of, returns, bar = [], {}, {}, 1
    for k, letter in enumerate(form.upper()):
        length = base + (1 if k >= len(form) - extra else 0)
        sections.append((letter, bar, bar + length - 1))
        if letter in first_of:
            src, src_len = first_of[letter]
            for b in range(min(motif_bars, length - 1, src_len)):
                returns[bar + b] = src + b
        else:
            first_of[letter] = (bar, length)
        bar += length
    return sections, returns


# The harmony of a contrasting section (B of AABA) when the request gives no progression: it leaves
# the tonic, and its last bar is the dominant, which leads back into the return of A.
BRIDGE = {"major": ("IV", "V", "iii", "vi"), "minor": ("iv", "VII", "III", "VI")}


def contrast_chords(request: Request, sections: list[tuple[str, int, int]]) -> list[str | None]:
    """Chord symbols per bar (None = free) for a sectioned piece without a progression: sections of
    the first letter stay in the key's home, every other section walks :data:`BRIDGE` and ends on V.
    The piece's last bar stays free for the final cadence."""
    from museforge.controls import roman_to_chords

    home = sections[0][0]
    out: list[str | None] = [None] * request.n_bars
    bridge = roman_to_chords(BRIDGE[request.mode], request.tonic, request.mode)
    dominant = roman_to_chords(("V",), request.tonic, request.mode)[0]
    for letter, lo, hi in sections:
        if letter != home:
            for bar in range(lo, hi + 1):
                out[bar - 1] = dominant if bar == hi and hi > lo else bridge[(bar - lo) % len(bridge)]
    if request.cadence:
        out[-1] = None
    return out


def compose_long(model, tokenizer: Tokenizer, controls: MusicControls | None = None, *, form: str = "AABA",
                 motif_bars: int | None = None, replay: str = "melody", temperature: float = 1.0, top_k: int = 0,
                 top_p: float = 1.0, seed: int | None = None, keep_in_key: bool = False,
                 programs: tuple[int, ...] | None = None, **overrides) -> Composition:
    """A long piece in sections (``form``), written with the sliding window.

    Bars are shared out over the sections in order. A return of a section (the second A of AABA)
    replays the first ``motif_bars`` bars of that section's first statement (default: all but its
    last bar): with ``replay="melody"`` the lead part (the first pitched instrument) comes back note
    for note and the other parts are written afresh around it; ``replay="all"`` replays every part.
    Without a requested progression, contrasting sections get their own harmony (:func:`contrast_chords`).
    """
    seed = int(seed if seed is not None else (controls.seed if controls and controls.seed is not None else 0))
    if motif_bars is not None and (isinstance(motif_bars, bool) or not isinstance(motif_bars, int) or motif_bars < 0):
        raise MuseforgeError(f"motif_bars must be a whole number >= 0, got {motif_bars!r}")
    if replay not in ("melody", "all"):
        raise MuseforgeError(f"replay must be 'melody' or 'all', got {replay!r}")
    request = resolve(controls, seed=seed, keep_in_key=keep_in_key, programs=programs, **overrides)
    sections, returns = section_plan(form, request.n_bars, request.n_bars if motif_bars is None else motif_bars)
    pitched = [p for p in request.programs if p >= 0]
    fields = {"returns": returns, "replay_programs": frozenset(pitched[:1]) if replay == "melody" and pitched else None}
    contrast = []
    if not request.chords and len({letter for letter, _, _ in sections}) > 1:
        contrast = contrast_chords(request, sections)
        fields.update(chord_fields(contrast))
    grooved = _wants_groove_drums(request)
    plan = make_plan(request, tokenizer, groove_drums=grooved, **fields)
    prefix = [tokenizer.bos_id, *(tokenizer.token_id(t) for t in request.controls().tokens())]
    body = sample_body(model, tokenizer, prefix, [], plan, temperature=temperature, top_k=top_k, top_p=top_p,
                       seed=seed)
    score = end_single_lines_at_next_note(_finish(tokenizer.decode(body), request, request.n_bars),
                                          plan.line_programs)
    record = _record(request, "compose_long", seed, temperature, top_k, top_p, form=form.upper(), replay=replay,
                     sections=[list(s) for s in sections], returns={str(k): v for k, v in returns.items()},
                     **({"chords_per_bar": contrast} if contrast else {}))
    if grooved:
        _add_groove_drums(score, request, plan, seed, record)
    return Composition(score, [*prefix, *body, tokenizer.eos_id], [], record)


def __getattr__(name: str):
    """``continue_score``, ``infill``, ``harmonise`` and ``load_score`` from :mod:`museforge.music.rework`
    (imported on first use: that module builds on this one)."""
    if name in ("continue_score", "infill", "harmonise", "load_score"):
        from museforge.music import rework

        return getattr(rework, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
