"""Composing with the Transformer: controls -> a valid, decodable multi-instrument Score.

Every entry point writes the control prefix, then samples REMI tokens through the model's
KV-cached ``generate`` with a :class:`~museforge.music.grammar.GrammarProcessor`, so any model,
even an untrained one, yields a sequence that decodes. Pieces longer than the model's context are
written with a sliding window: the control prefix stays, followed by the most recent whole bars
that fit in half the context. All settings are call arguments; the same seed, controls and model
give the same output.

- :func:`compose`: a new piece from controls; :func:`compose_variations`: several, batched.
- :func:`continue_score`: more bars after a primer (the primer is the prompt, not repeated unless
  ``include_primer``; then its notes are kept exactly as given).
- :func:`infill`: regenerate bars i..j with the bars before them as the prompt, keep the rest.
- :func:`harmonise`: new parts under a fixed melody, whose notes are forced at their positions.
- :func:`compose_long`: a sectioned piece (``"AABA"``); a return of a section replays its opening
  bars, and the model continues from them with that material in context.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from symusic import Score, Tempo, TimeSignature, Track

from museforge.controls import MAX_VARIATIONS, MusicControls
from museforge.errors import MuseforgeError, check_range
from museforge.music.compose_request import Request, chords_per_bar, make_plan, resolve
from museforge.music.grammar import MAX_NOTES_PER_BAR, GrammarProcessor, GrammarState, Plan, Vocab
from museforge.music.tokenizer import DRUMS, Tokenizer

MIN_ROOM = 48  # context tokens left after the control prefix: below this a window can't hold a bar
MAX_PRIMER_BYTES = 20 * 1024 * 1024
PACKAGE = Path(__file__).resolve().parents[1]
# Where a composer checkpoint is looked for, in order, when none is named.
CHECKPOINT_PLACES = (PACKAGE / "weights" / "composer", PACKAGE.parents[1] / "checkpoints" / "composer" / "best",
                     PACKAGE.parents[1] / "checkpoints" / "composer" / "latest")


def find_checkpoint(path: str | Path | None = None) -> Path:
    """The composer checkpoint to use: ``path``, $MUSEFORGE_COMPOSER, the shipped weights, then training output."""
    import os

    named = path or os.environ.get("MUSEFORGE_COMPOSER")
    places = [Path(named)] if named else list(CHECKPOINT_PLACES)
    for place in places:
        if (place / "model.safetensors").is_file():
            return place
    raise MuseforgeError(f"no composer checkpoint at {', '.join(map(str, places))}; train one "
                         "(`museforge train composer`) or name a directory holding config.json + model.safetensors")


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
                temperature: float, top_k: int, top_p: float, seed: int) -> list[int]:
    """Write body tokens after ``prefix + body`` until the plan's last bar ends (EOS not included).

    The grammar state reads ``body`` first, so a primer's bars count toward the plan's bar numbers.
    """
    return sample_rows(model, tokenizer, prefix, body, plan, 1, temperature=temperature, top_k=top_k,
                       top_p=top_p, seed=seed)[0]


def sample_rows(model, tokenizer: Tokenizer, prefix: list[int], body: list[int], plan: Plan, rows: int, *,
                temperature: float, top_k: int, top_p: float, seed: int) -> list[list[int]]:
    """``rows`` independent bodies for one prompt: the first window is sampled as one batch (one
    forward pass per token for all rows); a row that needs more windows then slides on its own."""
    _check_model(model, tokenizer)
    _check_sampling(temperature, top_k, top_p)
    room = model.cfg.context_len - len(prefix)
    if room < MIN_ROOM:
        raise MuseforgeError(f"the model's context ({model.cfg.context_len} tokens) leaves {room} after the "
                             f"{len(prefix)}-token control prefix; need at least {MIN_ROOM}")
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


# --- scores in and out ------------------------------------------------------------------------

def load_score(source: Score | str | Path | bytes) -> Score:
    """A Score from a Score, a MIDI file path or MIDI bytes; unreadable input is a MuseforgeError."""
    if isinstance(source, Score):
        return source
    try:
        if isinstance(source, (bytes, bytearray)):
            data = bytes(source)
        else:
            path = Path(source)
            if not path.is_file():
                raise MuseforgeError(f"MIDI file {path} does not exist")
            if path.stat().st_size > MAX_PRIMER_BYTES:
                raise MuseforgeError(f"MIDI file {path} is over {MAX_PRIMER_BYTES // 2**20} MB")
            data = path.read_bytes()
        if not data.startswith(b"MThd"):
            raise MuseforgeError("not a Standard MIDI File (no MThd header)")
        return Score.from_midi(data)
    except MuseforgeError:
        raise
    except Exception as exc:  # symusic raises a bare RuntimeError/ValueError on corrupt chunks
        raise MuseforgeError(f"cannot read the MIDI data: {exc}") from None


def _meter_tempo(score: Score) -> tuple[str, float]:
    sig = f"{score.time_signatures[0].numerator}/{score.time_signatures[0].denominator}" \
        if len(score.time_signatures) else "4/4"
    tempo = float(score.tempos[0].qpm) if len(score.tempos) else 120.0
    return sig, min(max(tempo, 30.0), 300.0)


def _bar_ticks(tpq: int, request: Request) -> int:
    num, den = request.meter
    return num * 4 * tpq // den


def _programs_of(score: Score) -> tuple[int, ...]:
    return tuple(dict.fromkeys(DRUMS if t.is_drum else int(t.program) for t in score.tracks if len(t.notes)))


def _decode_at(tokenizer: Tokenizer, tokens: list[int], bars_before: int, request: Request) -> Score:
    """Decode body tokens that start with a Bar; notes move ``bars_before`` bars later."""
    score = tokenizer.decode(tokens)
    if bars_before:
        score = score.shift_time(bars_before * _bar_ticks(score.ticks_per_quarter, request))
    return score


def _finish(score: Score, request: Request, n_bars: int) -> Score:
    """The exact requested tempo and meter, and nothing sounding past the last bar."""
    num, den = request.meter
    score.tempos = [Tempo(0, request.tempo_bpm)]
    score.time_signatures = [TimeSignature(0, num, den)]
    end = n_bars * _bar_ticks(score.ticks_per_quarter, request)
    for track in score.tracks:
        keep = [n for n in track.notes if n.time < end]
        for note in keep:
            note.duration = max(1, min(note.duration, end - note.time))
        track.notes = keep
    score.tracks = [t for t in score.tracks if len(t.notes)]
    return score


def _merge(base: Score, extra: Score) -> Score:
    """Add ``extra``'s notes (resampled to ``base``'s resolution) to the matching program's track."""
    if extra.ticks_per_quarter != base.ticks_per_quarter:
        extra = extra.resample(base.ticks_per_quarter, min_dur=1)
    for track in extra.tracks:
        match = next((t for t in base.tracks if t.is_drum == track.is_drum and
                      (t.is_drum or t.program == track.program)), None)
        if match is None:
            match = Track(track.name, track.program, track.is_drum)
            base.tracks.append(match)
        match.notes.extend(track.notes)
        match.notes.sort()
    return base


def _record(request: Request, method: str, seed: int, temperature: float, top_k: int, top_p: float,
            first_bar: int = 1, **extra) -> dict:
    out = {"method": method, **request.to_dict(), "seed": seed, "temperature": temperature, "top_k": top_k,
           "top_p": top_p, **extra}
    if request.chords:  # what each bar was actually written over (a repeated progression, the final tonic)
        out["chords_per_bar"] = [c.symbol if c else None for c in chords_per_bar(request, request.n_bars, first_bar)]
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
    plan = make_plan(request, tokenizer)
    prefix = [tokenizer.bos_id, *(tokenizer.token_id(t) for t in request.controls().tokens())]
    bodies = sample_rows(model, tokenizer, prefix, [], plan, n, temperature=temperature, top_k=top_k,
                         top_p=top_p, seed=seed)
    extra = {"tempo_token": plan.tempo_token}
    pieces = []
    for k, body in enumerate(bodies):
        score = _finish(tokenizer.decode(body), request, request.n_bars)
        record = _record(request, "compose", seed, temperature, top_k, top_p, **extra,
                         **({"variation": k, "variations": n} if n > 1 else {}))
        pieces.append(Composition(score, [*prefix, *body, tokenizer.eos_id], [], record))
    return pieces


def _request_for(score: Score, controls: MusicControls | None, seed: int, keep_in_key: bool,
                 programs: tuple[int, ...] | None, n_bars: int, cadence: bool) -> Request:
    """A request that follows an existing score's meter, tempo, key and programs unless controls say otherwise."""
    from museforge.music.labels import estimate_key

    c = controls or MusicControls()
    signature, tempo = _meter_tempo(score)
    fields: dict = {"n_bars": n_bars}
    if c.time_signature is None:
        fields["time_signature"] = signature
    if c.tempo_bpm is None:
        fields["tempo_bpm"] = tempo
    if c.tonic is None and c.mode is None and not c.chords:
        tonic, mode, _ = estimate_key(score)
        fields["tonic"], fields["mode"] = tonic, mode
    if programs is None and not c.programs:
        programs = _programs_of(score)
    return resolve(controls, seed=seed, keep_in_key=keep_in_key, programs=programs, cadence=cadence, **fields)


def _score_bars(score: Score, request: Request) -> int:
    return max(1, math.ceil(score.end() / _bar_ticks(score.ticks_per_quarter, request)))


def continue_score(model, tokenizer: Tokenizer, primer: Score | str | Path | bytes, n_bars: int, *,
                   include_primer: bool = False, controls: MusicControls | None = None, temperature: float = 1.0,
                   top_k: int = 0, top_p: float = 1.0, seed: int = 0, keep_in_key: bool = False,
                   programs: tuple[int, ...] | None = None, cadence: bool = True) -> Composition:
    """Write ``n_bars`` new bars after a primer, starting on the bar line after its end.

    The whole primer is the prompt. The result holds only the new bars (starting at time 0) unless
    ``include_primer``, in which case it is the primer, untouched, followed by the new bars.
    """
    primer = load_score(primer)
    if primer.note_num() == 0:
        raise MuseforgeError("the primer has no notes to continue")
    probe = _request_for(primer, controls, seed, keep_in_key, programs, 1, cadence)
    primer_bars = _score_bars(primer, probe)
    if isinstance(n_bars, bool) or not isinstance(n_bars, int) or not 1 <= n_bars <= 512 - primer_bars:
        raise MuseforgeError(f"n_bars must be a whole number in [1, {512 - primer_bars}] after a "
                             f"{primer_bars}-bar primer, got {n_bars!r}")
    request = _request_for(primer, controls, seed, keep_in_key, programs, primer_bars + int(n_bars), cadence)
    prompt = tokenizer.encode_notes(primer)
    plan = make_plan(request, tokenizer, first_bar=primer_bars + 1, empty_until=primer_bars, with_tempo=False)
    prefix = [tokenizer.bos_id, *(tokenizer.token_id(t) for t in request.controls().tokens())]
    body = sample_body(model, tokenizer, prefix, prompt, plan, temperature=temperature, top_k=top_k,
                       top_p=top_p, seed=seed)
    prompt_bars = sum(1 for t in prompt if t == tokenizer.vocab["Bar_None"])
    new = _finish(_decode_at(tokenizer, body, prompt_bars, request), request, request.n_bars)
    start = primer_bars * _bar_ticks(new.ticks_per_quarter, request)
    for track in new.tracks:
        track.notes = [n for n in track.notes if n.time >= start]
    if include_primer:
        score = _merge(primer.copy(), new)
    else:
        score = _finish(new.shift_time(-start), request, int(n_bars))
    record = _record(request, "continue", seed, temperature, top_k, top_p, primer_bars + 1, primer_bars=primer_bars,
                     new_bars=int(n_bars), include_primer=include_primer)
    return Composition(score, [*prefix, *prompt, *body, tokenizer.eos_id], prompt, record)


def infill(model, tokenizer: Tokenizer, score: Score | str | Path | bytes, bars: tuple[int, int], *,
           controls: MusicControls | None = None, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0,
           seed: int = 0, keep_in_key: bool = False, programs: tuple[int, ...] | None = None) -> Composition:
    """Regenerate bars ``i..j`` (1-based, inclusive) of a score and keep every other note as it is.

    The bars before ``i`` are the prompt (the model is left-to-right: it sees no right context);
    new notes are clipped at the end of bar ``j``. Notes starting before bar ``i`` are kept even if
    they ring into it.
    """
    score = load_score(score)
    if score.note_num() == 0:
        raise MuseforgeError("the score has no notes")
    probe = _request_for(score, controls, seed, keep_in_key, programs, 1, False)
    total = _score_bars(score, probe)
    if not (isinstance(bars, (tuple, list)) and len(bars) == 2 and all(isinstance(b, int) for b in bars)
            and 1 <= bars[0] <= bars[1] <= total):
        raise MuseforgeError(f"bars must be (i, j) with 1 <= i <= j <= {total} (the score's bars), got {bars!r}")
    i, j = bars
    request = _request_for(score, controls, seed, keep_in_key, programs, j, False)
    bar_ticks = _bar_ticks(score.ticks_per_quarter, request)
    start, end = (i - 1) * bar_ticks, j * bar_ticks
    left = score.copy()
    for track in left.tracks:
        track.notes = [n for n in track.notes if n.time < start]
    left.tracks = [t for t in left.tracks if len(t.notes)]
    prompt = tokenizer.encode_notes(left) if left.note_num() else []
    plan = make_plan(request, tokenizer, first_bar=i, empty_until=i - 1, with_tempo=not prompt)
    prefix = [tokenizer.bos_id, *(tokenizer.token_id(t) for t in request.controls().tokens())]
    body = sample_body(model, tokenizer, prefix, prompt, plan, temperature=temperature, top_k=top_k,
                       top_p=top_p, seed=seed)
    prompt_bars = sum(1 for t in prompt if t == tokenizer.vocab["Bar_None"])
    new = _finish(_decode_at(tokenizer, body, prompt_bars, request), request, j)
    new_start = (i - 1) * _bar_ticks(new.ticks_per_quarter, request)
    for track in new.tracks:
        track.notes = [n for n in track.notes if n.time >= new_start]
    out = score.copy()
    for track in out.tracks:
        track.notes = [n for n in track.notes if not start <= n.time < end]
    out = _merge(out, new)
    record = _record(request, "infill", seed, temperature, top_k, top_p, i, bars=[i, j], score_bars=total)
    return Composition(out, [*prefix, *prompt, *body, tokenizer.eos_id], prompt, record)


def _melody_notes(tokenizer: Tokenizer, melody: Score, track_index: int | None) -> tuple[Score, int]:
    pitched = [k for k, t in enumerate(melody.tracks) if not t.is_drum and len(t.notes)]
    if not pitched:
        raise MuseforgeError("the melody has no pitched notes")
    if track_index is None:
        track_index = pitched[0]
    if track_index not in pitched:
        raise MuseforgeError(f"melody_track must be one of the pitched tracks {pitched}, got {track_index!r}")
    only = melody.copy()
    only.tracks = [only.tracks[track_index]]
    return only, int(only.tracks[0].program)


def _forced_from_tokens(tokenizer: Tokenizer, ids: list[int]) -> dict[int, dict[int, list[tuple[int, ...]]]]:
    """bar -> position -> (Program, Pitch, Velocity, Duration) ids, from a REMI stream."""
    vocab = _vocab(tokenizer)
    forced: dict[int, dict[int, list[tuple[int, ...]]]] = {}
    bar, pos, note = 0, 0, []
    for t in ids:
        kind = vocab.kind_of(t)
        if kind == "Bar":
            bar += 1
        elif kind == "Position":
            pos = int(vocab.value[t])
        elif kind in ("Program", "Pitch", "Velocity", "Duration"):
            note = [t] if kind == "Program" else [*note, t]
            if kind == "Duration":
                forced.setdefault(bar, {}).setdefault(pos, []).append(tuple(note))
    return forced


def harmonise(model, tokenizer: Tokenizer, melody: Score | str | Path | bytes, programs: tuple[int, ...], *,
              controls: MusicControls | None = None, melody_track: int | None = None, temperature: float = 1.0,
              top_k: int = 0, top_p: float = 1.0, seed: int = 0, keep_in_key: bool = False,
              cadence: bool = True) -> Composition:
    """Write parts for ``programs`` under a fixed melody: its notes are forced at their grid positions.

    The melody comes back note for note (on the tokenizer's grid: 1/8 beat, 16 velocity levels).
    """
    melody, melody_program = _melody_notes(tokenizer, load_score(melody), melody_track)
    programs = tuple(programs or ())
    if not programs:
        raise MuseforgeError("name at least one accompanying program (GM 0-127, -1 for drums)")
    if melody_program in programs:
        raise MuseforgeError(f"accompanying programs must differ from the melody's program {melody_program} "
                             "(they would merge into one track)")
    probe = _request_for(melody, controls, seed, keep_in_key, programs, 1, cadence)
    n_bars = _score_bars(melody, probe)
    request = _request_for(melody, controls, seed, keep_in_key, (*programs, melody_program), n_bars, cadence)
    forced = _forced_from_tokens(tokenizer, tokenizer.encode_notes(melody))
    plan = make_plan(request, tokenizer, programs=frozenset(programs), forced=forced)
    prefix = [tokenizer.bos_id, *(tokenizer.token_id(t) for t in request.controls().tokens())]
    body = sample_body(model, tokenizer, prefix, [], plan, temperature=temperature, top_k=top_k, top_p=top_p,
                       seed=seed)
    score = _finish(tokenizer.decode(body), request, n_bars)
    record = _record(request, "harmonise", seed, temperature, top_k, top_p, melody_program=melody_program)
    return Composition(score, [*prefix, *body, tokenizer.eos_id], [], record)


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


def compose_long(model, tokenizer: Tokenizer, controls: MusicControls | None = None, *, form: str = "AABA",
                 motif_bars: int = 2, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0,
                 seed: int | None = None, keep_in_key: bool = False, programs: tuple[int, ...] | None = None,
                 **overrides) -> Composition:
    """A long piece in sections (``form``), written with the sliding window.

    Bars are shared out over the sections in order. Each return of a section (the second A of AABA)
    starts by replaying the first ``motif_bars`` bars of that section's first occurrence, note for
    note, and the model continues from there with that material in its window.
    """
    seed = int(seed if seed is not None else (controls.seed if controls and controls.seed is not None else 0))
    if isinstance(motif_bars, bool) or not isinstance(motif_bars, int) or motif_bars < 0:
        raise MuseforgeError(f"motif_bars must be a whole number >= 0, got {motif_bars!r}")
    request = resolve(controls, seed=seed, keep_in_key=keep_in_key, programs=programs, **overrides)
    sections, returns = section_plan(form, request.n_bars, motif_bars)
    plan = make_plan(request, tokenizer, returns=returns)
    prefix = [tokenizer.bos_id, *(tokenizer.token_id(t) for t in request.controls().tokens())]
    body = sample_body(model, tokenizer, prefix, [], plan, temperature=temperature, top_k=top_k, top_p=top_p,
                       seed=seed)
    score = _finish(tokenizer.decode(body), request, request.n_bars)
    record = _record(request, "compose_long", seed, temperature, top_k, top_p, form=form.upper(),
                     sections=[list(s) for s in sections], returns={str(k): v for k, v in returns.items()})
    return Composition(score, [*prefix, *body, tokenizer.eos_id], [], record)
