"""Four-part (SATB) chorale writing under a given soprano, by dynamic programming over voicings.

At every beat (and chord change) the alto, tenor and bass take a complete voicing of the chord
below the soprano; a Viterbi search picks the sequence with the least voice-leading cost:
small motion, root-position bass, root doublings, and no parallel fifths or octaves. Hard rules:
ranges, no voice crossing (S > A > T > B), spacing (S-A and A-T at most an octave).
"""

from __future__ import annotations

import itertools

import numpy as np

from museforge.music.arrange.chords import Chord

RANGES = {"alto": (55, 74), "tenor": (48, 69), "bass": (40, 62)}  # MIDI pitches, G3-D5 etc.
_PARALLEL_COST = 12.0
_LEAP_COST = 2.0


def _candidates(chord: Chord, s_top: int | None, s_min: int | None) -> np.ndarray:
    """All (A, T, B) voicings of ``chord`` under a soprano; shape [k, 3]."""
    pcs = chord.pitch_classes
    third = {(chord.root + i) % 12 for i in chord.intervals if i in (3, 4, 2, 5)}
    ceiling = (s_min - 1) if s_min is not None else RANGES["alto"][1]
    pool = {v: [p for p in range(lo, hi + 1) if p % 12 in pcs] for v, (lo, hi) in RANGES.items()}
    rows = []
    for strict in (True, False):
        for a, t, b in itertools.product(pool["alto"], pool["tenor"], pool["bass"]):
            if a > ceiling or not (a > t > b if strict else a >= t >= b):
                continue
            if s_top is not None and s_top - a > 12 or a - t > 12 or t - b > 19:
                continue
            present = {a % 12, t % 12, b % 12} | ({s_top % 12} if s_top is not None else set())
            if chord.root % 12 not in present and chord.bass not in present:
                continue
            if third and not third & present:
                continue
            rows.append((a, t, b))
        if rows:
            break
    if not rows:  # soprano too low for any voicing: keep the lower voices in range, uncrossed
        lo_b = pool["bass"][0]
        rows = [(lo_b + 12 + 4, lo_b + 7, lo_b)]
    return np.array(rows, dtype=np.int64)


def _unary(c: np.ndarray, chord: Chord, s: int | None) -> np.ndarray:
    cost = np.where(c[:, 2] % 12 == chord.bass, 0.0, 9.0)  # root position (or the slash bass)
    thirds = [(chord.root + i) % 12 for i in chord.intervals if i in (3, 4)]
    voices = c if s is None else np.column_stack([c, np.full(len(c), s)])
    if thirds:
        doubled = (voices % 12 == thirds[0]).sum(axis=1) > 1
        cost += np.where(doubled, 2.5, 0.0)
    for k, (lo, hi) in enumerate(RANGES.values()):  # stay near the middle of each range
        cost += 0.08 * np.abs(c[:, k] - (lo + hi) / 2)
    return cost


def _transition(p: np.ndarray, c: np.ndarray, s_prev: int | None, s_cur: int | None) -> np.ndarray:
    """Voice-leading cost [m, k] from voicings ``p`` [m, 3] to ``c`` [k, 3]."""
    diff = np.abs(c[None, :, :] - p[:, None, :])  # [m, k, 3]
    cost = diff[..., 0] + diff[..., 1] + 0.5 * diff[..., 2]
    cost += _LEAP_COST * ((diff[..., :2] > 7).sum(axis=-1) + (diff[..., 2] > 12))
    sp = s_prev if s_prev is not None else None
    voices_p = [p[:, None, 0], p[:, None, 1], p[:, None, 2]]
    voices_c = [c[None, :, 0], c[None, :, 1], c[None, :, 2]]
    if sp is not None and s_cur is not None:
        voices_p.insert(0, np.full((len(p), 1), sp))
        voices_c.insert(0, np.full((1, len(c)), s_cur))
    for i, j in itertools.combinations(range(len(voices_p)), 2):
        ip = (voices_p[i] - voices_p[j]) % 12
        ic = (voices_c[i] - voices_c[j]) % 12
        moved = (voices_p[i] != voices_c[i]) & (voices_p[j] != voices_c[j])
        parallel = (ip == ic) & ((ic == 0) | (ic == 7)) & moved
        cost += _PARALLEL_COST * parallel
    return cost


def write_chorale(slots: list[tuple[int, int, Chord, int | None, int | None]]
                  ) -> dict[str, list[tuple[int, int, int]]]:
    """Alto, tenor and bass lines under a soprano.

    Args:
        slots: (start_tick, end_tick, chord, soprano pitch at the start or None, lowest soprano
            pitch sounding in the slot or None), in time order.

    Returns:
        ``{"alto"|"tenor"|"bass": [(start_tick, duration_ticks, pitch), ...]}`` with repeated
        pitches tied across slots.
    """
    cands = [_candidates(ch, s, smin) for _, _, ch, s, smin in slots]
    score = _unary(cands[0], slots[0][2], slots[0][3])
    back = []
    for n in range(1, len(slots)):
        total = score[:, None] + _transition(cands[n - 1], cands[n], slots[n - 1][3], slots[n][3])
        arg = total.argmin(axis=0)
        back.append(arg)
        score = total[arg, np.arange(len(cands[n]))] + _unary(cands[n], slots[n][2], slots[n][3])
    pick = [int(score.argmin())]
    for arg in reversed(back):
        pick.append(int(arg[pick[-1]]))
    pick.reverse()
    lines: dict[str, list[tuple[int, int, int]]] = {"alto": [], "tenor": [], "bass": []}
    for (start, end, _, _, _), cand, k in zip(slots, cands, pick):
        for v, name in enumerate(lines):
            pitch = int(cand[k, v])
            line = lines[name]
            if line and line[-1][2] == pitch and line[-1][0] + line[-1][1] == start:
                line[-1] = (line[-1][0], end - line[-1][0], pitch)
            else:
                line.append((start, end - start, pitch))
    return lines
