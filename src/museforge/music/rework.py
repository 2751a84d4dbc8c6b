"""Reworking existing music with the composer: continue it, regenerate bars, harmonise a melody.

- :func:`continue_score`: more bars after a primer. The whole primer is the prompt; the new bars
  start on the bar line after it; the primer is not repeated unless ``include_primer``, and then
  its notes are kept exactly as given (never re-quantised, its first note never dropped).
- :func:`infill`: regenerate bars i..j with the bars before them as the prompt, keep the rest.
- :func:`harmonise`: new parts under a fixed melody, whose notes are forced at their positions.

Meter, tempo, key and instruments follow the given score unless controls say otherwise.
"""

from __future__ import annotations

import math
from pathlib import Path

from symusic import Score, TimeSignature, Track

from museforge.controls import MusicControls
from museforge.errors import MuseforgeError
from museforge.music.compose_request import Request, make_plan, resolve
from museforge.music.generate import Composition, _bar_ticks, _finish, _record, _vocab, sample_body
from museforge.music.tokenizer import DRUMS, Tokenizer

MAX_PRIMER_BYTES = 20 * 1024 * 1024


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


def _programs_of(score: Score) -> tuple[int, ...]:
    return tuple(dict.fromkeys(DRUMS if t.is_drum else int(t.program) for t in score.tracks if len(t.notes)))


def _decode_at(tokenizer: Tokenizer, tokens: list[int], bars_before: int, request: Request) -> Score:
    """Decode body tokens that start with a Bar; notes move ``bars_before`` bars later."""
    score = tokenizer.decode(tokens)
    if bars_before:
        score = score.shift_time(bars_before * _bar_ticks(score.ticks_per_quarter, request))
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

    The bars before ``i`` are the prompt. A composer trained for fill-in-the-middle (``cfg.fim``)
    also sees the first bars after ``j`` (up to a quarter of its context), so the new bars lead into
    them; another composer sees no right context. New notes are clipped at the end of bar ``j``.
    Notes starting before bar ``i`` are kept even if they ring into it.
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
    plan = make_plan(request, tokenizer, first_bar=i, empty_until=i - 1, with_tempo=not prompt,
                     penultimate_pcs=None)  # bar j leads into the kept bar j+1, not to a dominant
    prefix = [tokenizer.bos_id, *(tokenizer.token_id(t) for t in request.controls().tokens())]
    after = _bars_after(tokenizer, score, end, model.cfg.context_len // 4) if model.cfg.fim else []
    body = sample_body(model, tokenizer, prefix, prompt, plan, temperature=temperature, top_k=top_k,
                       top_p=top_p, seed=seed, after=after)
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


def _bars_after(tokenizer: Tokenizer, score: Score, start_tick: int, max_tokens: int) -> list[int]:
    """REMI tokens of the whole bars from ``start_tick`` on (the music after a gap), cut to at most
    ``max_tokens`` at a bar line; no Tempo token, as in the middle of a training piece."""
    right = score.copy()
    for track in right.tracks:
        track.notes = [n for n in track.notes if n.time >= start_tick]
    right.tracks = [t for t in right.tracks if len(t.notes)]
    if not right.note_num():
        return []
    meter = [ts for ts in score.time_signatures if ts.time <= start_tick][-1:]  # the meter in force at the gap's end
    right.time_signatures = [TimeSignature(start_tick, ts.numerator, ts.denominator) for ts in meter]
    right.time_signatures.extend(ts for ts in score.time_signatures if ts.time > start_tick)
    right.tempos, right.key_signatures, right.markers = [], [], []
    tempo_ids = {i for name, i in tokenizer.vocab.items() if name.startswith("Tempo_")}
    ids = [t for t in tokenizer.encode_notes(right.shift_time(-start_tick)) if t not in tempo_ids]
    if len(ids) <= max_tokens:
        return ids
    bar_id = tokenizer.vocab["Bar_None"]
    return ids[:max((k for k in range(max_tokens + 1) if ids[k] == bar_id), default=0)]


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
    forced = _vocab(tokenizer).notes_by_bar(tokenizer.encode_notes(melody))
    plan = make_plan(request, tokenizer, programs=frozenset(programs), forced=forced)
    prefix = [tokenizer.bos_id, *(tokenizer.token_id(t) for t in request.controls().tokens())]
    body = sample_body(model, tokenizer, prefix, [], plan, temperature=temperature, top_k=top_k, top_p=top_p,
                       seed=seed)
    score = _finish(tokenizer.decode(body), request, n_bars)
    record = _record(request, "harmonise", seed, temperature, top_k, top_p, melody_program=melody_program)
    return Composition(score, [*prefix, *body, tokenizer.eos_id], [], record)


