"""Small music files of every source type, written by the tests themselves (no shared data needed)."""

from __future__ import annotations

from pathlib import Path

from symusic import Note, Score, Tempo, TimeSignature, Track

ABC_TUNE = """X:1
T:Test Reel
M:4/4
L:1/8
Q:1/4=112
K:D
A|d2fd AdFA|dfaf gefd|cBAG FGAB|c2ec Acea|
"""

ABC_COLLECTION = ABC_TUNE + """
X:2
T:Test Jig
M:6/8
L:1/8
K:G
GAB c2A|BGG d2B|cBA BGE|DEF G3|
"""

KERN = """**kern\t**kern
*M3/4\t*M3/4
*k[f#]\t*k[f#]
=1\t=1
4G\t4d
4A\t4e
4B\t4f#
=2\t=2
2.G\t2.g
==\t==
*-\t*-
"""


def midi_score() -> Score:
    """Two tracks (piano + drums), tempo 100, 3/4, notes on the tokenizer's grid."""
    score = Score(480)
    piano = Track("Piano", 0, False)
    for i, pitch in enumerate([60, 64, 67, 72, 71, 69]):
        piano.notes.append(Note(i * 240, 240 if i % 2 else 480, pitch, 90 - 4 * i))
    drums = Track("Drums", 0, True)
    for i in range(6):
        drums.notes.append(Note(i * 480, 120, 36 if i % 3 == 0 else 42, 100))
    score.tracks.extend([piano, drums])
    score.tempos.append(Tempo(0, qpm=100.0))
    score.time_signatures.append(TimeSignature(0, 3, 4))
    return score


def write_fixtures(folder: Path) -> dict[str, Path]:
    """One file per source type: mid, musicxml, abc (collection), krn."""
    import music21

    folder.mkdir(parents=True, exist_ok=True)
    paths = {"mid": folder / "piece.mid", "abc": folder / "tunes.abc", "krn": folder / "duet.krn",
             "musicxml": folder / "song.musicxml"}
    midi_score().dump_midi(str(paths["mid"]))
    paths["abc"].write_text(ABC_COLLECTION)
    paths["krn"].write_text(KERN)
    part = music21.stream.Part([music21.instrument.Violin(), music21.meter.TimeSignature("2/4"),
                                music21.tempo.MetronomeMark(number=90)])
    for name in ["E5", "D5", "C5", "D5", "E5", "E5"]:
        part.append(music21.note.Note(name, quarterLength=1.0))
    part.append(music21.note.Note("E5", quarterLength=2.0))
    music21.stream.Score([part]).write("musicxml", fp=str(paths["musicxml"]))
    return paths
