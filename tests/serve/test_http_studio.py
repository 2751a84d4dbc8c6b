"""The studio's helper routes on a real server: options, prompt preview, MIDI notes, zip of chosen files."""

from __future__ import annotations

import io
import zipfile

import symusic
from serve_helpers import wait_for

from museforge.sfx.recipe import get_recipe, recipe_names


def _melody_bytes() -> bytes:
    score = symusic.Score(480)
    track = symusic.Track("melody", 0, False)
    for i, pitch in enumerate([60, 64, 67, 72, 67, 64, 62, 60]):
        track.notes.append(symusic.Note(i * 480, 400, pitch, 90))
    score.tracks.append(track)
    return score.dumps_midi()


def test_options_mirror_the_controls_and_the_recipe_registry(client):
    options = client.get("/v1/studio/options").json()
    assert "celtic_folk" in options["music"]["styles"] and "drums" in options["music"]["instruments"]
    assert options["music"]["tempo_range_bpm"] == [30.0, 300.0]
    recipes = {r["name"]: r for r in options["sfx"]["recipes"]}
    assert list(recipes) == recipe_names()
    rain = get_recipe("rain")
    sent = {p["name"]: p for p in recipes["rain"]["params"]}
    for param in rain.params:
        assert (sent[param.name]["low"], sent[param.name]["high"], sent[param.name]["default"]) == \
            (param.low, param.high, param.default)
    assert set(recipes["rain"]["presets"]) == set(rain.presets) and recipes["rain"]["loopable"] is True


def test_prompt_preview_reads_without_queueing(client):
    before = client.get("/v1/limits").json()["queue"]
    seen = client.post("/v1/studio/prompt", json={"text": "tense orchestral boss fight, 140 bpm, D minor"}).json()
    assert seen["kind"] == "music"
    assert (seen["controls"]["tempo_bpm"], seen["controls"]["tonic"], seen["controls"]["mode"]) == (140.0, "D", "minor")
    assert client.get("/v1/limits").json()["queue"] == before
    too_long = client.post("/v1/studio/prompt", json={"text": "rain " * 2000})
    assert too_long.status_code == 422 and "at most 2000 characters" in too_long.json()["detail"]
    assert client.post("/v1/studio/prompt", json={}).status_code == 422


def test_notes_and_zip_of_an_arrangement(client):
    upload = client.post("/v1/uploads", params={"kind": "midi"}, content=_melody_bytes()).json()
    job = wait_for(client, client.post("/v1/jobs", json={"kind": "arrange", "melody_upload": upload["id"],
                                                         "style": "folk", "seed": 5}).json()["id"], timeout_s=20)
    assert job["status"] == "done", job
    midi = next(f["name"] for f in job["files"] if f["name"].endswith(".mid"))
    notes = client.get(f"/v1/jobs/{job['id']}/notes/{midi}").json()
    melody = [n for track in notes["tracks"] for n in track["notes"]]
    assert len(notes["tracks"]) >= 2 and len(melody) > 8 and not notes["truncated"]
    assert all(0 <= n[0] < notes["duration_s"] and n[1] > 0 and 0 <= n[2] < 128 for n in melody)
    sidecar = midi + ".json"
    assert client.get(f"/v1/jobs/{job['id']}/notes/{sidecar}").status_code == 404  # not a MIDI file
    assert client.get(f"/v1/jobs/{job['id']}/notes/..%2Fjobs.sqlite3").status_code == 404

    zipped = client.get("/v1/studio/zip", params={"file": [f"{job['id']}/{midi}", f"{job['id']}/{sidecar}"],
                                                  "name": "my tune/../x"})
    assert zipped.status_code == 200
    assert zipped.headers["content-disposition"].endswith('filename="my-tune-x.zip"')
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        assert sorted(archive.namelist()) == sorted([midi, sidecar])
        assert archive.read(midi) == client.get(f"/v1/jobs/{job['id']}/files/{midi}").content
    renamed = client.get("/v1/studio/zip", params={"file": [f"{job['id']}/{midi}"], "as": ["tune.mid"]})
    with zipfile.ZipFile(io.BytesIO(renamed.content)) as archive:
        assert archive.namelist() == ["tune.mid"]
    for bad in (["../tune.mid"], [".hidden"], ["a/b.mid"], ["x.mid", "y.mid"]):
        refused = client.get("/v1/studio/zip", params={"file": [f"{job['id']}/{midi}"], "as": bad})
        assert refused.status_code == 422 and refused.json()["detail"].startswith("as: ")
    missing = client.get("/v1/studio/zip", params={"file": f"{job['id']}/nope.wav"})
    assert missing.status_code == 404 and "<job id>/<name>" in missing.json()["detail"]
    assert client.get("/v1/studio/zip").status_code == 422
