"""The compose job kind on a real server whose composer is an untrained debug checkpoint written here.

New pieces, continuations and regenerated bars go through POST /v1/jobs and come back as MIDI with
the exact bars, meter and programs asked for, plus mastered audio of the same name and sidecars with
provenance; the same seed gives the same MIDI bytes; bad controls and uploads are 4xx at submit.
"""

from __future__ import annotations

import io
import json

import pytest
import soundfile
import symusic
import torch
from serve_helpers import Server, wait_for

from museforge.music.models.transformer import Composer, ComposerConfig
from museforge.music.tokenizer import get_tokenizer


@pytest.fixture(scope="module")
def composer_dir(tmp_path_factory):
    tokenizer = get_tokenizer()
    torch.manual_seed(0)
    model = Composer(ComposerConfig.debug(vocab_size=tokenizer.vocab_size, context_len=256)).eval()
    return model.save(tmp_path_factory.mktemp("composer"))


@pytest.fixture(scope="module")
def compose_client(tmp_path_factory, composer_dir):
    srv = Server(tmp_path_factory.mktemp("compose") / "data", "--n-workers", "1", "--max-duration-s", "40",
                 "--max-variations", "4", env={"MUSEFORGE_COMPOSER": str(composer_dir), "OMP_NUM_THREADS": "1"})
    srv.start()
    with srv.client() as client:
        yield client
    srv.stop()


def _done(client, body: dict, timeout_s: float = 60.0) -> dict:
    response = client.post("/v1/jobs", json=body)
    assert response.status_code == 202, response.text
    job = wait_for(client, response.json()["id"], timeout_s=timeout_s)
    assert job["status"] == "done", job
    return job


def _midis(client, job: dict) -> list[tuple[str, symusic.Score, bytes]]:
    out = []
    for f in job["files"]:
        if f["name"].endswith(".mid"):
            data = client.get(f["url"]).content
            out.append((f["name"], symusic.Score.from_midi(data), data))
    return out


def _programs(score: symusic.Score) -> set[int]:
    return {-1 if t.is_drum else t.program for t in score.tracks if len(t.notes)}


def _bar_ticks(score: symusic.Score) -> int:
    sig = score.time_signatures[0]
    return sig.numerator * 4 * score.ticks_per_quarter // sig.denominator


def _upload(client, score: symusic.Score) -> str:
    response = client.post("/v1/uploads", params={"kind": "midi"}, content=score.dumps_midi())
    assert response.status_code == 201, response.text
    return response.json()["id"]


NEW = {"kind": "compose", "style": "celtic_folk", "mood": "calm", "tonic": "D", "mode": "minor", "tempo_bpm": 120,
       "time_signature": "3/4", "n_bars": 4, "instruments": ["flute", "guitar"], "seed": 11}


def test_new_piece_has_the_bars_meter_tempo_and_programs_asked_for(compose_client):
    job = _done(compose_client, NEW)
    assert job["request"]["task"] == "new" and job["info"]["controls"]["n_bars"] == 4
    names = sorted(f["name"] for f in job["files"])
    assert names == sorted(f"celtic-folk_d-minor_120bpm_seed11{ext}"
                           for ext in (".mid", ".mid.json", ".wav", ".wav.json"))
    for name, score, _ in _midis(compose_client, job):
        assert score.end() == 4 * _bar_ticks(score)  # exactly four bars
        assert (score.time_signatures[0].numerator, score.time_signatures[0].denominator) == (3, 4)
        assert score.tempos[0].qpm == pytest.approx(120.0, abs=1e-3)
        assert _programs(score) == {73, 24}  # flute and guitar, nothing else
        wav = next(f for f in job["files"] if f["name"] == name.replace(".mid", ".wav"))
        samples, sample_rate = soundfile.read(io.BytesIO(compose_client.get(wav["url"]).content))
        assert sample_rate == 44_100 and samples.shape[1] == 2
        assert len(samples) / sample_rate >= 6.0  # four 3/4 bars at 120 bpm, plus the release tail
    sidecar = json.loads(compose_client.get(next(f["url"] for f in job["files"]
                                                 if f["name"].endswith(".mid.json"))).content)
    assert sidecar["seed"] == 11 and sidecar["controls"]["seed"] == 11
    assert sidecar["controls"]["style"] == "celtic_folk" and sidecar["controls"]["programs"] == [73, 24]
    assert sidecar["provenance"]["task"] == "new" and len(sidecar["provenance"]["composer"]["sha256"]) == 64
    audio_sidecar = json.loads(compose_client.get(next(f["url"] for f in job["files"]
                                                       if f["name"].endswith("seed11.wav.json"))).content)
    assert audio_sidecar["provenance"]["soundfont"]["name"] == "TimGM6mb.sf2"
    assert audio_sidecar["measured"]["integrated_loudness_lufs"] == pytest.approx(-14.0, abs=1.0)


def test_same_seed_same_midi_bytes_and_variation_i_is_seed_plus_i(compose_client):
    body = {**NEW, "render": False, "seed": 40}
    first = _midis(compose_client, _done(compose_client, body))
    again = _midis(compose_client, _done(compose_client, body))
    batch = _midis(compose_client, _done(compose_client, {**body, "seed": 39, "variations": 2}))
    assert first[0][2] == again[0][2]
    assert [m[2] for m in batch if m[0].endswith("seed40.mid")] == [first[0][2]]  # variation i uses seed + i
    assert batch[0][2] != batch[1][2]


def test_prompt_fills_the_open_controls_and_open_choices_are_shared_by_variations(compose_client):
    job = _done(compose_client, {"kind": "compose", "prompt": "happy pop song, 100 bpm, 4 bars", "variations": 2,
                                 "render": False, "seed": 3, "instruments": ["piano"]})
    request = job["request"]
    assert (request["style"], request["mood"], request["tempo_bpm"], request["n_bars"]) == ("pop", "happy", 100.0, 4)
    assert request["tonic"] is not None and request["mode"] is not None  # decided once, from the seed
    assert {"span": "100 bpm", "field": "tempo_bpm", "value": 100.0} in job["info"]["prompt"]["understood"]
    keys = {json.loads(compose_client.get(f["url"]).content)["key"] for f in job["files"]
            if f["name"].endswith(".json")}
    assert len(keys) == 1
    seeded = compose_client.post("/v1/jobs", json={"kind": "compose", "prompt": "sad waltz, seed 0, 2 bars",
                                                   "render": False})
    assert seeded.status_code == 202 and seeded.json()["request"]["seed"] == 0  # the prompt's seed, even 0
    assert seeded.json()["request"]["time_signature"] == "3/4"  # decided for a waltz


def test_continue_writes_only_the_new_bars_after_the_primer(compose_client):
    primer = _midis(compose_client, _done(compose_client, {**NEW, "render": False, "seed": 5}))[0][1]
    upload = _upload(compose_client, primer)
    job = _done(compose_client, {"kind": "compose", "primer_upload": upload, "n_bars": 3, "seed": 6,
                                 "render": False})
    assert job["request"]["task"] == "continue" and job["info"]["upload"]["n_bars"] == 4
    (_, score, _), = _midis(compose_client, job)
    assert score.end() == 3 * _bar_ticks(score) and _programs(score) <= {73, 24}
    whole = _done(compose_client, {"kind": "compose", "primer_upload": upload, "duration_s": 3.0, "seed": 6,
                                   "include_primer": True, "render": False})
    assert whole["request"]["n_bars"] == 2  # 3 s of 3/4 at 120 bpm
    (_, score, _), = _midis(compose_client, whole)
    assert score.end() == 6 * _bar_ticks(score)
    kept = [(n.time, n.pitch) for t in score.tracks for n in t.notes if n.time < 4 * _bar_ticks(score)]
    assert sorted(kept) == sorted((n.time, n.pitch) for t in primer.tracks for n in t.notes)


def test_infill_regenerates_only_the_bars_asked_for(compose_client):
    base = _midis(compose_client, _done(compose_client, {**NEW, "n_bars": 6, "render": False, "seed": 8}))[0][1]
    upload = _upload(compose_client, base)
    job = _done(compose_client, {"kind": "compose", "score_upload": upload, "infill_bars": "3-4", "seed": 9,
                                 "render": False})
    assert job["request"]["task"] == "infill"
    (_, out, _), = _midis(compose_client, job)
    ticks = _bar_ticks(base)

    def outside(score):
        return sorted((t.program, n.time, n.pitch) for t in score.tracks for n in t.notes
                      if not 2 * ticks <= n.time < 4 * ticks)

    assert outside(out) == outside(base) and out.end() == 6 * ticks


def test_vary_keeps_the_opening_and_the_length(compose_client):
    base = _midis(compose_client, _done(compose_client, {**NEW, "render": False, "seed": 21}))[0][1]
    upload = _upload(compose_client, base)
    job = _done(compose_client, {"kind": "compose", "score_upload": upload, "keep_bars": 2, "seed": 22,
                                 "variations": 2, "render": False})
    assert job["request"]["task"] == "vary"
    ticks = _bar_ticks(base)
    opening = sorted((t.program, n.time, n.pitch) for t in base.tracks for n in t.notes if n.time < 2 * ticks)
    varied = _midis(compose_client, job)
    for _, score, _ in varied:
        assert score.end() == 4 * ticks
        assert sorted((t.program, n.time, n.pitch) for t in score.tracks for n in t.notes if n.time < 2 * ticks) \
            == opening
    assert varied[0][2] != varied[1][2]
    too_many = compose_client.post("/v1/jobs", json={"kind": "compose", "score_upload": upload, "keep_bars": 4})
    assert too_many.status_code == 422 and "keep_bars: at most 3" in too_many.json()["detail"]


def test_harmonise_keeps_the_melody_and_adds_the_default_parts(compose_client):
    melody = symusic.Score(480)
    track = symusic.Track("melody", 0, False)  # a piano melody: the default parts are then bass and strings
    pitches = [60, 62, 64, 65, 67, 65, 64, 62]  # two 4/4 bars
    track.notes.extend(symusic.Note(i * 480, 480, pitch, 96) for i, pitch in enumerate(pitches))
    melody.tracks.append(track)
    melody.tempos.append(symusic.Tempo(0, 100.0))
    job = _done(compose_client, {"kind": "compose", "melody_upload": _upload(compose_client, melody), "seed": 4,
                                 "render": False})
    assert job["request"]["task"] == "harmonise"
    (_, score, _), = _midis(compose_client, job)
    assert _programs(score) <= {0, 33, 48} and 0 in _programs(score) and len(_programs(score)) >= 2
    piano = next(t for t in score.tracks if t.program == 0 and not t.is_drum)
    assert [(n.time * 480 // score.ticks_per_quarter, n.pitch) for n in piano.notes] == \
        [(n.time, n.pitch) for n in track.notes]  # the melody, note for note
    assert score.end() == 2 * _bar_ticks(score)


@pytest.mark.parametrize(("body", "field", "allowed"), [
    ({"style": "polka-metal"}, "style", "celtic_folk"),
    ({"mood": "grumpy"}, "mood", "calm"),
    ({"instruments": ["kazoo"]}, "instrument", "flute"),
    ({"n_bars": 4, "duration_s": 8.0}, "duration_s or n_bars", "not both"),
    ({"tempo_bpm": 120, "time_signature": "4/4", "duration_s": 7.0}, "7 s", "nearest exact lengths"),
    ({"n_bars": 200, "tempo_bpm": 60}, "n_bars", "max duration"),
    ({"temperature": -1}, "temperature", "greater than or equal"),
    ({"prompt": "heavy rain on a tin roof"}, "prompt", "sfx job"),
    ({"form": "AABA", "n_bars": 2}, "form", "1-2 letters"),
])
def test_bad_controls_are_422_at_submit(compose_client, body, field, allowed):
    response = compose_client.post("/v1/jobs", json={"kind": "compose", **body})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert field in detail and allowed in detail, detail


def test_bad_uploads_and_bars_are_4xx_at_submit(compose_client):
    corrupt = compose_client.post("/v1/uploads", params={"kind": "midi"},
                                  content=b"MThd\0\0\0\x06\0\x01\0\x01\x01\xe0MTrk\xff\xff\xff\xff")
    assert corrupt.status_code == 422 and corrupt.json()["detail"].startswith("file: ")
    missing = compose_client.post("/v1/jobs", json={"kind": "compose", "primer_upload": "0" * 16})
    assert missing.status_code == 422 and "primer_upload: no midi upload" in missing.json()["detail"]
    score = symusic.Score(480)
    track = symusic.Track("piano", 0, False)
    track.notes.extend(symusic.Note(i * 480, 480, 60 + i, 80) for i in range(16))  # four 4/4 bars
    score.tracks.append(track)
    upload = _upload(compose_client, score)
    for bars, expected in (("5-8", "1 <= i <= j <= 4"), ("3-2", "1 <= i <= j <= 4"), ("three", "look like 5-8")):
        response = compose_client.post("/v1/jobs", json={"kind": "compose", "score_upload": upload,
                                                         "infill_bars": bars})
        assert response.status_code == 422 and expected in response.json()["detail"], response.text
    both = compose_client.post("/v1/jobs", json={"kind": "compose", "score_upload": upload, "primer_upload": upload})
    assert both.status_code == 422 and both.json()["detail"].startswith("task: uploads for different tasks")
    stray = compose_client.post("/v1/jobs", json={"kind": "compose", "primer_upload": upload, "infill_bars": "1-2"})
    assert stray.status_code == 422 and "infill_bars: only used by task 'infill'" in stray.json()["detail"]
    no_bars = compose_client.post("/v1/jobs", json={"kind": "compose", "task": "infill", "score_upload": upload})
    assert no_bars.status_code == 422 and "infill_bars" in no_bars.json()["detail"]


def test_without_composer_weights_the_kind_says_why(client):
    kinds = client.get("/v1/kinds").json()  # the shared server points MUSEFORGE_COMPOSER at an empty folder
    assert "no composer checkpoint" in kinds["compose"]["x-unavailable"]
    assert "x-unavailable" not in kinds["sfx"]
    response = client.post("/v1/jobs", json={"kind": "compose", "n_bars": 4})
    assert response.status_code == 422
    assert "compose: this server has no composer model" in response.json()["detail"]
