"""Where training music comes from: each source's files, style family and licence.

Style mapping (documented here, used for the Style_* control token):
- music21 corpus: bach -> baroque_chorale; handel, corelli, cpebach -> baroque; palestrina,
  josquin, lusitano, luca, monteverdi -> renaissance; trecento, ciconia -> medieval; mozart,
  haydn, beethoven, schubert, weber -> classical; chopin, schumann_*, verdi, beach -> romantic;
  joplin, johnson_j_r -> ragtime; oneills1850, ryansMammoth, airdsAirs, nottingham-dataset ->
  celtic_folk; essenFolksong -> european_folk; miscFolk, liliuokalani -> folk.
  Left out: demos, theoryExercises, leadSheet (test material) and schoenberg, webern (20th
  century works that may still be under copyright).
- POP909 -> pop.
- MMA grooves -> by the manifest's genre family (rock, jazz, latin, electronic, ...).
- A user's folder -> the style the user names (default "other").

Licences: the *default* training set is what lets the shipped composer's card say plainly what
outputs may be used for: POP909 (MIT) and the music21 corpus's public-domain compositions,
without Essen (its encoders allow non-commercial use only) and without the GPL MMA grooves
(which feed the arranger's groove table instead). ``--sources all`` adds both, and the manifest
records every piece's licence either way.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from museforge.errors import MuseforgeError
from museforge.music.convert import SUPPORTED_SUFFIXES

MUSIC21_STYLES = {
    "bach": "baroque_chorale", "handel": "baroque", "corelli": "baroque", "cpebach": "baroque",
    "palestrina": "renaissance", "josquin": "renaissance", "lusitano": "renaissance", "luca": "renaissance",
    "monteverdi": "renaissance", "trecento": "medieval", "ciconia": "medieval", "mozart": "classical",
    "haydn": "classical", "beethoven": "classical", "schubert": "classical", "weber": "classical",
    "chopin": "romantic", "schumann_robert": "romantic", "schumann_clara": "romantic", "verdi": "romantic",
    "beach": "romantic", "joplin": "ragtime", "johnson_j_r": "ragtime", "oneills1850": "celtic_folk",
    "ryansMammoth": "celtic_folk", "airdsAirs": "celtic_folk", "nottingham-dataset": "celtic_folk",
    "essenFolksong": "european_folk", "miscFolk": "folk", "liliuokalani": "folk",
}
MMA_STYLES = {
    "rock": "rock", "jazz-swing": "jazz", "latin": "latin", "ballad": "ballad", "waltz": "waltz",
    "electronic-dance": "electronic", "country-folk": "country", "ballroom-dance": "latin",
    "blues-boogie": "blues", "funk-soul-rnb": "funk", "pop": "pop", "march": "march", "gospel-hymn": "ballad",
}
LICENCES = {
    "music21": "public-domain composition; encoding distributed with music21 by permission of its encoders",
    "music21-essen": "non-commercial use only (Essen Folksong Collection, per music21's licence note)",
    "pop909": "MIT (POP909, Music X Lab)",
    "mma-grooves": "GPL-2.0-or-later (MMA groove library, Bob van der Poel et al.)",
    "user": "the user's own material",
}
COMMERCIAL_OK = {"music21": True, "music21-essen": False, "pop909": True, "mma-grooves": False, "user": None}
SOURCE_NAMES = ("music21", "pop909", "mma-grooves")
DEFAULT_SOURCES = ("music21", "pop909")
MMA_LIBRARIES_DEFAULT = ("stdlib", "pflib", "kara", "alexis")  # see the groove README's provenance caution


@dataclass(frozen=True)
class SourceFile:
    """One file to read, with what is known about it before reading."""

    path: str
    source: str  # music21 | pop909 | mma-grooves | user
    collection: str  # music21 composer folder, mma library, "pop909", or the user folder's name
    style: str
    licence_key: str
    piece_group: str  # files that are versions of one piece share a group (same split)

    @property
    def licence(self) -> str:
        return LICENCES[self.licence_key]


def music21_files(include_essen: bool) -> Iterator[SourceFile]:
    from music21 import corpus

    root = Path(corpus.__file__).parent
    for path in sorted(corpus.getCorePaths(), key=str):
        rel = Path(path).relative_to(root)
        collection = rel.parts[0]
        style = MUSIC21_STYLES.get(collection)
        if style is None or (collection == "essenFolksong" and not include_essen):
            continue
        if Path(path).suffix.lower() not in SUPPORTED_SUFFIXES:
            continue  # e.g. .rntxt roman-numeral analyses hold no notes of their own
        licence = "music21-essen" if collection == "essenFolksong" else "music21"
        yield SourceFile(str(path), "music21", collection, style, licence, f"music21/{rel.with_suffix('')}")


def pop909_files(data_dir: Path) -> Iterator[SourceFile]:
    for song in sorted((data_dir / "pop909").glob("[0-9][0-9][0-9]")):
        midi = song / f"{song.name}.mid"
        if midi.is_file():
            yield SourceFile(str(midi), "pop909", "pop909", "pop", "pop909", f"pop909/{song.name}")


def mma_files(data_dir: Path, libraries: tuple[str, ...] = MMA_LIBRARIES_DEFAULT) -> Iterator[SourceFile]:
    manifest = data_dir / "mma-grooves" / "manifest.csv"
    with manifest.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["status"] != "ok" or row["library"] not in libraries:
                continue
            style = MMA_STYLES.get(row["genre_family"])
            if style is None:  # utility grooves (metronomes, count-ins) are not music
                continue
            # Variants of one groove file (main/sus/plus/intro/...) are versions of one piece.
            yield SourceFile(str(data_dir / "mma-grooves" / row["path"]), "mma-grooves", row["library"], style,
                             "mma-grooves", f"mma/{row['lib_file']}")


def user_files(folder: Path, style: str = "other") -> Iterator[SourceFile]:
    if not folder.is_dir():
        raise MuseforgeError(f"folder not found: {folder}")
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            rel = path.relative_to(folder).with_suffix("")
            yield SourceFile(str(path), "user", folder.name, style, "user", f"user/{folder.name}/{rel}")


def gather(sources: tuple[str, ...], data_dir: Path | None, user_folders: tuple[Path, ...] = (),
           user_style: str = "other") -> list[SourceFile]:
    """All files of the named sources (music21, pop909, mma-grooves, essen) plus user folders."""
    valid = (*SOURCE_NAMES, "essen")
    unknown = sorted(set(sources) - set(valid))
    if unknown:
        raise MuseforgeError(f"unknown source(s) {', '.join(unknown)}; valid: {', '.join(valid)}")
    files: list[SourceFile] = []
    if "music21" in sources or "essen" in sources:
        files += [f for f in music21_files(include_essen="essen" in sources)
                  if "music21" in sources or f.licence_key == "music21-essen"]
    needs_data = [s for s in sources if s in ("pop909", "mma-grooves")]
    if needs_data:
        if data_dir is None or not (data_dir / needs_data[0]).is_dir():
            raise MuseforgeError(f"source {needs_data[0]} needs --data pointing at shared/data/midi; got {data_dir}")
        if "pop909" in sources:
            files += list(pop909_files(data_dir))
        if "mma-grooves" in sources:
            files += list(mma_files(data_dir))
    for folder in user_folders:
        files += list(user_files(Path(folder), user_style))
    return files
