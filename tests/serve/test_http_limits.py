"""Limits and bad input on a real server: 401, 413, 422 with messages naming the field; never a 500."""

from __future__ import annotations

import httpx
import pytest
import symusic
from serve_helpers import raw_request, wait_for


def _melody_midi(n_notes: int = 16) -> bytes:
    score = symusic.Score(480)
    track = symusic.Track("melody", 0, False)
    for i, pitch in enumerate(([60, 62, 64, 65, 67, 65, 64, 62] * 8)[:n_notes]):
        track.notes.append(symusic.Note(i * 480, 450, pitch, 90))
    score.tracks.append(track)
    score.tempos.append(symusic.Tempo(0, qpm=120.0))
    return score.dumps_midi()


def test_token_is_required_on_the_api_but_not_on_health_or_schema(server):
    with httpx.Client(base_url=server.url) as anonymous:
        missing = anonymous.get("/v1/jobs")
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        assert "Bearer" in missing.json()["detail"]
        wrong = anonymous.get("/v1/jobs", headers={"Authorization": "Bearer test-token-124"})
        assert wrong.status_code == 401
        assert anonymous.post("/v1/jobs", json={"kind": "sfx", "recipe": "rain"}).status_code == 401
        assert anonymous.get("/healthz").status_code == 200
        assert anonymous.get("/openapi.json").status_code == 200
        right = anonymous.get("/v1/jobs", headers={"Authorization": "Bearer test-token-123"})
        assert right.status_code == 200


@pytest.mark.parametrize(("body", "field", "allowed"), [
    ({"kind": "sfx", "recipe": "rain", "variations": 5}, "variations", "at most 4"),
    ({"kind": "sfx", "recipe": "rain", "variations": 0}, "sfx.variations", "greater than or equal to 1"),
    ({"kind": "sfx", "recipe": "rain", "duration_s": 31}, "duration_s", "at most 30 s"),
    ({"kind": "sfx", "recipe": "rain", "duration_s": -1}, "sfx.duration_s", "greater than 0"),
    ({"kind": "sfx", "recipe": "rain", "sample_rate": 12345}, "sfx.sample_rate", "22050, 44100 or 48000"),
    ({"kind": "sfx", "recipe": "rain", "title": "x" * 2001}, "title", "at most 2000 characters"),
    ({"kind": "sfx", "recipe": "rain", "frobnicate": 1}, "sfx.frobnicate", "Extra inputs are not permitted"),
    ({"kind": "sfx"}, "recipe", "give a recipe name or a prompt"),
    ({"kind": "sfx", "prompt": "calm piano waltz, 60 s"}, "prompt", "describes music"),
    ({"kind": "sfx", "prompt": "rain " * 401}, "prompt", "at most 2000 characters"),
    ({"kind": "symphony"}, "kind", "'sfx'"),
    ({"recipe": "rain"}, "body", "kind"),
    ({"kind": "sfx", "recipe": "tuba"}, "recipe", "valid: city_street"),
    ({"kind": "sfx", "recipe": "rain", "preset": "monsoon"}, "preset", "drizzle"),
    ({"kind": "sfx", "recipe": "rain", "params": {"intensity": 7}}, "intensity", "[0.0, 1.0]"),
    ({"kind": "sfx", "recipe": "impact", "loop": True}, "loop", "one-shot"),
    ({"kind": "render", "score_upload": "0123456789abcdef"}, "score_upload", "POST /v1/uploads?kind=midi"),
    ({"kind": "render", "score_upload": "../../etc/passwd"}, "render.score_upload", "pattern"),
    ({"kind": "arrange", "melody_upload": "0123456789abcdef", "style": "polka"}, "style", "valid: ambient"),
])
def test_bad_requests_are_422_naming_the_field_and_what_is_allowed(client, body, field, allowed):
    response = client.post("/v1/jobs", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert field in detail and allowed in detail, detail
    assert "Traceback" not in response.text


def test_malformed_json_and_wrong_types_are_422(client):
    broken = client.post("/v1/jobs", content=b'{"kind": "sfx", ', headers={"content-type": "application/json"})
    assert broken.status_code == 422 and "JSON" in broken.json()["detail"]
    listing = client.get("/v1/jobs", params={"limit": 100000})
    assert listing.status_code == 422 and "limit" in listing.json()["detail"]
    assert client.post("/v1/jobs", json=[1, 2, 3]).status_code == 422
    assert client.post("/v1/uploads", params={"kind": "pdf"}, content=b"x").status_code == 422


def test_oversized_bodies_are_413(client, server):
    huge_json = {"kind": "sfx", "recipe": "rain", "title": "x" * 70_000}  # over max_json_bytes (64 KiB)
    response = client.post("/v1/jobs", json=huge_json)
    assert response.status_code == 413 and "65536 bytes" in response.json()["detail"]
    too_big = client.post("/v1/uploads", params={"kind": "midi"}, content=b"\0" * 70_000)
    assert too_big.status_code == 413 and "upload" in too_big.json()["detail"]

    def chunks():  # no Content-Length: the limit trips while streaming
        for _ in range(40):
            yield b"\0" * 4096

    streamed = client.post("/v1/uploads", params={"kind": "midi"}, content=chunks())
    assert streamed.status_code == 413
    assert not list((server.data_dir / "uploads").glob("*.part"))  # nothing half-written stays behind


def test_413_comes_before_the_body_is_read(server):
    # Expect: 100-continue lets us see that the server answers from the headers alone: not one body byte is sent.
    status, response = raw_request(server, "POST /v1/uploads?kind=midi HTTP/1.1\r\nHost: x\r\n"
                                           "Content-Length: 1000000000\r\nExpect: 100-continue\r\n\r\n")
    assert status == 413 and b"65536" in response


def test_uploads_are_parsed_before_acceptance(client):
    good = client.post("/v1/uploads", params={"kind": "midi"}, content=_melody_midi())
    assert good.status_code == 201
    assert good.json()["info"]["n_notes"] == 16 and good.json()["info"]["duration_s"] == pytest.approx(7.97, abs=0.01)
    for junk in (b"MThd\0\0\0\x06\0\x01\0\x01\x01\xe0MTrk\xff\xff\xff\xff", b"not a midi file at all",
                 b"RIFF\x24\0\0\0WAVEfmt "):
        bad = client.post("/v1/uploads", params={"kind": "midi"}, content=junk)
        assert bad.status_code == 422 and bad.json()["detail"].startswith("file: "), bad.text
    wav_as_audio = client.post("/v1/uploads", params={"kind": "audio"}, content=b"RIFF\x24\0\0\0WAVEfmt ")
    assert wav_as_audio.status_code == 422
    empty = client.post("/v1/uploads", params={"kind": "midi"}, content=b"")
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    long_midi = client.post("/v1/uploads", params={"kind": "midi"}, content=_melody_midi(64))  # 32 s > 30 s
    assert long_midi.status_code == 422 and "max duration" in long_midi.json()["detail"]


def test_arrange_then_render_an_uploaded_melody(client):
    upload_id = client.post("/v1/uploads", params={"kind": "midi"}, content=_melody_midi()).json()["id"]
    arranged = client.post("/v1/jobs", json={"kind": "arrange", "melody_upload": upload_id, "style": "latin",
                                             "chords": ["C", "G", "Am", "F"], "variations": 2, "seed": 3})
    assert arranged.status_code == 202
    assert arranged.json()["request"]["style"] == "pop"  # the product style "latin" uses the pop template
    job = wait_for(client, arranged.json()["id"])
    assert job["status"] == "done", job
    midis = [f for f in job["files"] if f["name"].endswith(".mid")]
    assert len(midis) == 2 and all("seed3" in midis[0]["name"] or "seed4" in f["name"] for f in midis)
    score = symusic.Score.from_midi(client.get(midis[0]["url"]).content)
    assert len(score.tracks) >= 3 and score.note_num() > 16  # the melody plus an accompaniment

    render_upload = client.post("/v1/uploads", params={"kind": "midi"}, content=client.get(midis[0]["url"]).content)
    rendered = client.post("/v1/jobs", json={"kind": "render", "score_upload": render_upload.json()["id"],
                                             "duration_s": 6.0, "loudness": "ebu-r128"})
    job = wait_for(client, rendered.json()["id"], timeout_s=60)
    assert job["status"] == "done", job
    import io

    import soundfile

    from museforge.audio import Audio

    wav = next(f for f in job["files"] if f["name"].endswith(".wav"))
    samples, sample_rate = soundfile.read(io.BytesIO(client.get(wav["url"]).content), dtype="float32")
    assert sample_rate == 44100 and samples.shape == (6 * 44100, 2)
    assert Audio(samples.T, sample_rate).loudness_lufs() == pytest.approx(-23.0, abs=1.0)
