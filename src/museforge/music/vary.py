"""Variations of an existing piece: keep its opening, write the rest anew, several times at once.

A musician asks for "eight variations of this": the same meter, tempo, key and instruments, the
same opening idea, different continuations. :func:`vary` keeps the first ``keep_bars`` bars note
for note (notes ringing on past them too), uses them as the prompt, and samples the remaining bars
of the piece for ``n`` variations as one batch (:func:`~museforge.music.generate.sample_rows`), so
each variation has exactly the original's number of bars. Variation k is reproducible from
(seed, n, k), as with :func:`~museforge.music.generate.compose_variations`.
"""

from __future__ import annotations

from pathlib import Path

from symusic import Score

from museforge.controls import MAX_VARIATIONS, MusicControls
from museforge.errors import MuseforgeError
from museforge.music.generate import Composition, _bar_ticks, _finish, _record, sample_rows
from museforge.music.rework import _decode_at, _merge, _request_for, _score_bars, load_score
from museforge.music.compose_request import make_plan
from museforge.music.tokenizer import Tokenizer


def default_keep_bars(total_bars: int) -> int:
    """The opening kept by default: the first quarter of the piece, at least one bar, never all of it."""
    return 0 if total_bars <= 1 else min(max(1, total_bars // 4), total_bars - 1)


def vary(model, tokenizer: Tokenizer, score: Score | str | Path | bytes, n: int = 4, *,
         keep_bars: int | None = None, controls: MusicControls | None = None, temperature: float = 1.0,
         top_k: int = 0, top_p: float = 1.0, seed: int = 0, keep_in_key: bool = False) -> list[Composition]:
    """``n`` variations of ``score``: its first ``keep_bars`` bars kept, the other bars rewritten.

    Args:
        model: A ``Composer`` whose vocabulary is the tokenizer's.
        tokenizer: ``get_tokenizer()``.
        score: A symusic Score, a MIDI path or MIDI bytes.
        n: How many variations (1-256).
        keep_bars: Opening bars kept as they are (0 = rewrite everything in the piece's meter, key,
            tempo and instruments); None = :func:`default_keep_bars`.
        controls: Overrides of what is read from the piece (e.g. another mood).
        temperature, top_k, top_p: Sampling settings.
        seed: Random seed of the batch.
        keep_in_key: No pitched notes outside the key's scale in the new bars.

    Returns:
        ``n`` compositions, each as long (in bars) as ``score``; ``record`` says which bars are new.
    """
    score = load_score(score)
    if score.note_num() == 0:
        raise MuseforgeError("the piece has no notes to vary")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_VARIATIONS:
        raise MuseforgeError(f"the number of variations must be a whole number in [1, {MAX_VARIATIONS}], got {n!r}")
    probe = _request_for(score, controls, seed, keep_in_key, None, 1, True)
    total = _score_bars(score, probe)
    keep = default_keep_bars(total) if keep_bars is None else keep_bars
    if isinstance(keep, bool) or not isinstance(keep, int) or not 0 <= keep < total:
        raise MuseforgeError(f"keep_bars must be a whole number in [0, {total - 1}] for this {total}-bar piece "
                             f"(at least one bar must be new), got {keep_bars!r}")
    request = _request_for(score, controls, seed, keep_in_key, None, total, True)
    start = keep * _bar_ticks(score.ticks_per_quarter, request)
    opening = score.copy()
    for track in opening.tracks:
        track.notes = [note for note in track.notes if note.time < start]
    opening.tracks = [t for t in opening.tracks if len(t.notes)]
    prompt = tokenizer.encode_notes(opening) if opening.note_num() else []
    plan = make_plan(request, tokenizer, first_bar=keep + 1, empty_until=keep, with_tempo=not prompt)
    prefix = [tokenizer.bos_id, *(tokenizer.token_id(t) for t in request.controls().tokens())]
    bodies = sample_rows(model, tokenizer, prefix, prompt, plan, n, temperature=temperature, top_k=top_k,
                         top_p=top_p, seed=seed)
    prompt_bars = sum(1 for t in prompt if t == tokenizer.vocab["Bar_None"])
    out = []
    for k, body in enumerate(bodies):
        new = _finish(_decode_at(tokenizer, body, prompt_bars, request), request, total)
        new_start = keep * _bar_ticks(new.ticks_per_quarter, request)
        for track in new.tracks:
            track.notes = [note for note in track.notes if note.time >= new_start]
        varied = _merge(opening.copy(), new)
        varied.tracks = [t for t in varied.tracks if len(t.notes)]
        record = _record(request, "vary", seed, temperature, top_k, top_p, keep + 1, kept_bars=keep,
                         score_bars=total, variation=k, variations=n)
        out.append(Composition(varied, [*prefix, *prompt, *body, tokenizer.eos_id], prompt, record))
    return out
