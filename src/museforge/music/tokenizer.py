"""museforge's token vocabulary: miditok REMI (programs, tempo, time signature) plus control tokens.

A training sequence is ``BOS, controls..., REMI tokens..., EOS``. The controls are what a user
asks for (style, mood, key, tempo bucket, instruments, length), so the composer learns to obey
them; at generation time the same prefix is written from the user's request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import miditok
import numpy as np
from symusic import Score

from museforge.errors import MuseforgeError

# Style families of the corpus (see music/sources.py for how each source maps to one).
STYLES = (
    "baroque_chorale", "baroque", "renaissance", "medieval", "classical", "romantic", "ragtime",
    "celtic_folk", "european_folk", "folk", "pop", "jazz", "latin", "rock", "electronic", "ballad",
    "waltz", "country", "blues", "funk", "march", "world", "other",
)
MOODS = ("happy", "tense", "sad", "calm")  # valence/arousal quadrants: (+,+) (-,+) (-,-) (+,-)
PITCH_CLASSES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
MODES = ("major", "minor")
TEMPO_BUCKETS_QPM = (60, 76, 92, 108, 124, 140, 160, 184)  # lower edges; above the last is the last
BAR_BUCKETS = (4, 8, 16, 32, 64, 128)  # lower edges, as for tempo
DRUMS = -1  # miditok's program number for drum tracks
TIME_SIGNATURES = {8: [3, 6, 9, 12], 4: [1, 2, 3, 4, 5, 6, 7], 2: [1, 2, 3, 4]}

REMI_CONFIG = dict(
    pitch_range=(21, 109),
    beat_res={(0, 4): 8, (4, 12): 4},  # 32nd-note grid within a bar, coarser for long notes
    num_velocities=16,
    use_programs=True,
    one_token_stream_for_programs=True,
    use_tempos=True,
    num_tempos=32,
    tempo_range=(40, 250),
    use_time_signatures=True,
    time_signature_range=TIME_SIGNATURES,
    remove_duplicated_notes=True,
    delete_equal_successive_tempo_changes=True,
    delete_equal_successive_time_sig_changes=True,
    special_tokens=["PAD", "BOS", "EOS", "MASK"],
)


@dataclass(frozen=True)
class Controls:
    """The conditioning a piece carries: every field becomes one control token (programs: one each)."""

    style: str
    mood: str
    tonic: str
    mode: str
    tempo_qpm: float
    programs: tuple[int, ...]  # sorted GM programs, DRUMS (-1) for a drum kit
    n_bars: int

    def tokens(self) -> list[str]:
        return [
            f"Style_{self.style}",
            f"Mood_{self.mood}",
            f"Key_{self.tonic}_{self.mode}",
            f"TempoBucket_{bucket(self.tempo_qpm, TEMPO_BUCKETS_QPM)}",
            *[f"Instrument_{p}" for p in sorted(set(self.programs))],
            f"Bars_{bucket(self.n_bars, BAR_BUCKETS)}",
            "Controls_end",
        ]


def bucket(value: float, edges: tuple[int, ...]) -> int:
    """The largest edge <= value (the first edge for smaller values)."""
    chosen = edges[0]
    for edge in edges:
        if value >= edge:
            chosen = edge
    return chosen


def control_vocabulary() -> list[str]:
    return [
        *[f"Style_{s}" for s in STYLES],
        *[f"Mood_{m}" for m in MOODS],
        *[f"Key_{t}_{m}" for t in PITCH_CLASSES for m in MODES],
        *[f"TempoBucket_{b}" for b in TEMPO_BUCKETS_QPM],
        *[f"Instrument_{p}" for p in range(DRUMS, 128)],
        *[f"Bars_{b}" for b in BAR_BUCKETS],
        "Controls_end",
    ]


class Tokenizer:
    """REMI + controls. ``encode(score, controls)`` -> ids; ``decode(ids)`` -> Score (controls skipped)."""

    def __init__(self) -> None:
        self.remi = miditok.REMI(miditok.TokenizerConfig(**REMI_CONFIG))
        for token in control_vocabulary():
            self.remi.add_to_vocab(token)
        self.vocab: dict[str, int] = dict(self.remi.vocab)
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        self.pad_id = self.vocab["PAD_None"]
        self.bos_id = self.vocab["BOS_None"]
        self.eos_id = self.vocab["EOS_None"]
        self.controls_end_id = self.vocab["Controls_end"]
        # Transposition maps (pitched notes and the key control; drums use PitchDrum_* and stay).
        self._pitch_of = {i: int(t.split("_")[1]) for t, i in self.vocab.items() if t.startswith("Pitch_")}
        self._pitch_id = {p: i for i, p in self._pitch_of.items()}
        self._key_of = {i: t.split("_")[1:] for t, i in self.vocab.items() if t.startswith("Key_")}

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode_notes(self, score: Score) -> list[int]:
        """REMI ids of a score (no BOS/controls/EOS)."""
        return list(self.remi.encode(score).ids)

    def encode(self, score: Score, controls: Controls) -> list[int]:
        prefix = [self.bos_id, *(self.token_id(t) for t in controls.tokens())]
        return [*prefix, *self.encode_notes(score), self.eos_id]

    def decode(self, ids: list[int]) -> Score:
        """Score from ids; BOS, control tokens and EOS are skipped, so a full sequence decodes too."""
        notes = [int(i) for i in ids if not self._is_control(int(i))]
        if not notes:  # miditok cannot decode an empty stream
            return Score(self.remi.time_division)
        return self.remi.decode(notes)

    def transpose_ids(self, ids: list[int] | np.ndarray, semitones: int) -> np.ndarray:
        """The same sequence with pitched notes and the key control moved by ``semitones``.

        Equal to encoding the transposed score (REMI orders notes by time, program, then pitch,
        which a common shift keeps); raises if a note would leave the pitch range.
        """
        ids = np.asarray(ids)
        table = self._transpose_table(semitones)
        out = table[ids]
        if (out < 0).any():
            raise MuseforgeError(f"transposing by {semitones} semitones leaves the pitch range")
        return out.astype(ids.dtype)

    @lru_cache(maxsize=32)  # noqa: B019  (one tokenizer per process; a few shifts each)
    def _transpose_table(self, semitones: int) -> np.ndarray:
        """id -> id lookup for one shift; -1 where a pitch would leave the range."""
        table = np.arange(self.vocab_size)
        for token_id, pitch in self._pitch_of.items():
            table[token_id] = self._pitch_id.get(pitch + semitones, -1)
        for token_id, (tonic, mode) in self._key_of.items():
            shifted = PITCH_CLASSES[(PITCH_CLASSES.index(tonic) + semitones) % 12]
            table[token_id] = self.vocab[f"Key_{shifted}_{mode}"]
        return table

    def token_id(self, token: str) -> int:
        if token not in self.vocab:
            raise MuseforgeError(f"token {token!r} is not in the vocabulary")
        return self.vocab[token]

    def _is_control(self, token_id: int) -> bool:
        token = self.id_to_token[token_id]
        return token_id in (self.bos_id, self.eos_id, self.pad_id) or token.split("_")[0] in _CONTROL_KINDS

    def save(self, path: str | Path) -> None:
        """The vocabulary as the composer's data loader reads it."""
        info = {"vocab_size": self.vocab_size, "pad_id": self.pad_id, "bos_id": self.bos_id,
                "eos_id": self.eos_id, "controls_end_id": self.controls_end_id, "remi_config":
                {k: (str(v) if isinstance(v, dict) else v) for k, v in REMI_CONFIG.items()},
                "tokens": self.vocab}
        Path(path).write_text(json.dumps(info, indent=1))


_CONTROL_KINDS = {"Style", "Mood", "Key", "TempoBucket", "Instrument", "Bars", "Controls"}


@lru_cache(maxsize=1)
def get_tokenizer() -> Tokenizer:
    """The process-wide tokenizer (building miditok's vocabulary takes a moment)."""
    return Tokenizer()
