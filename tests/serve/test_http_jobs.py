"""The HTTP API against a real uvicorn server on loopback: jobs, files, events, cancel, failures."""

from __future__ import annotations

import io
import json
import time

import numpy as np
import soundfile
from serve_helpers import raw_request, wait_for


def _sfx(**fields) -> dict:
    return {"kind": "sfx", "recipe": "rain", "duration_s": 1.5, "sample_rate": 22050} | fields


def test_sfx_batch_submit_poll_download(client):
    response = client.post("/v1/jobs", json=_sfx(variations=2, seed=5))
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert response.headers["location"] == f"/v1/jobs/{job_id}"
    job = wait_for(client, job_id)
    assert job["status"] == "done" and job["progress"] == 1.0 and job["error"] is None
    wavs = [f for f in job["files"] if f["name"].endswith(".wav")]
    assert [f["name"] for f in wavs] == ["RAIN_Rain_museforge_s0005.wav", "RAIN_Rain_museforge_s0006.wav"]
    signals = []
    for f in wavs:
        got = client.get(f["url"])
        assert got.status_code == 200 and got.headers["content-type"] == "audio/wav"
        assert len(got.content) == f["size_bytes"]
        samples, sample_rate = soundfile.read(io.BytesIO(got.content), dtype="float32", always_2d=True)
        assert sample_rate == 22050 and samples.shape == (round(1.5 * 22050), 2)  # exact length, stereo ambience
        rms_dbfs = 20 * np.log10(np.sqrt(np.mean(samples**2)))
        assert -50 < rms_dbfs < 0
        signals.append(samples)
    assert not np.allclose(signals[0], signals[1])  # seed + i: two different variations


def test_prompt_fills_unset_fields_and_the_job_reports_what_it_understood(client):
    response = client.post("/v1/jobs", json={"kind": "sfx", "prompt": "heavy rain on a tin roof with distant thunder",
                                             "duration_s": 2.0, "sample_rate": 22050})
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["request"]["recipe"] == "rain" and job["request"]["params"]["surface"] == "roof"
    assert [layer["recipe"] for layer in job["request"]["layers"]] == ["thunder"]
    assert job["request"]["duration_s"] == 2.0  # the request's own value wins
    assert isinstance(job["request"]["seed"], int)  # omitted: chosen by the server and reported
    spans = {u["span"]: u["field"] for u in job["info"]["prompt"]["understood"]}
    assert spans["tin roof"] == "params.surface" and spans["distant thunder"] == "layers"
    done = wait_for(client, job["id"])
    assert done["status"] == "done", done
    samples, rate = soundfile.read(io.BytesIO(client.get(done["files"][0]["url"]).content), always_2d=True)
    assert samples.shape == (2 * 22050, 2) and np.sqrt(np.mean(samples**2)) > 1e-3


def test_events_stream_progress_until_done(client):
    job_id = client.post("/v1/jobs", json={"kind": "test_sleep", "seconds": 1.0, "steps": 5}).json()["id"]
    events = []
    with client.stream("GET", f"/v1/jobs/{job_id}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[len("data: "):])))
    names = [n for n, _ in events]
    assert names[-1] == "done" and set(names[:-1]) == {"status"}
    progress = [data["progress"] for _, data in events]
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert any(0 < p < 1 for p in progress)  # intermediate progress was streamed, not only start and end
    assert events[-1][1]["files"][0]["name"] == "slept.txt"


def test_cancel_running_and_queued_jobs(client):
    running = client.post("/v1/jobs", json={"kind": "test_sleep", "seconds": 20, "steps": 40}).json()["id"]
    wait_for(client, running, ("running",), predicate=lambda j: j["progress"] > 0)
    cancelled = client.post(f"/v1/jobs/{running}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["error"] == "cancelled by the client"
    time.sleep(0.5)  # the worker is stopped; nothing flips the job back
    job = client.get(f"/v1/jobs/{running}").json()
    assert job["status"] == "cancelled" and job["files"] == []
    assert client.post(f"/v1/jobs/{running}/cancel").status_code == 409  # already finished
    # the freed worker takes new work at once
    quick = client.post("/v1/jobs", json={"kind": "test_sleep", "seconds": 0.1, "steps": 1}).json()["id"]
    assert wait_for(client, quick, timeout_s=15)["status"] == "done"
    done = client.delete(f"/v1/jobs/{quick}")
    assert done.status_code == 409 and "already done" in done.json()["detail"]


def test_crashing_and_hanging_jobs_fail_with_a_reason_and_the_server_lives(client, server):
    crash = client.post("/v1/jobs", json={"kind": "test_crash", "exit_code": 7}).json()["id"]
    hang = client.post("/v1/jobs", json={"kind": "test_sleep", "seconds": 60, "steps": 60}).json()["id"]
    crashed = wait_for(client, crash)
    assert crashed["status"] == "failed" and "exit code 7" in crashed["error"]
    hung = wait_for(client, hang, timeout_s=20)  # the server's job timeout is 4 s
    assert hung["status"] == "failed" and "timed out" in hung["error"] and "4 s" in hung["error"]
    assert server.proc.poll() is None
    again = client.post("/v1/jobs", json=_sfx(recipe="ui", preset="click", duration_s=None)).json()["id"]
    assert wait_for(client, again)["status"] == "done"


def test_a_user_error_inside_the_job_is_its_failure_message(client, tmp_path):
    import symusic

    score = symusic.Score(480)
    track = symusic.Track("melody", 0, False)
    track.notes.append(symusic.Note(0, 480, 60, 90))
    score.tracks.append(track)
    upload = client.post("/v1/uploads", params={"kind": "midi"}, content=score.dumps_midi()).json()
    job_id = client.post("/v1/jobs", json={"kind": "arrange", "melody_upload": upload["id"], "style": "pop",
                                           "key": "H#"}).json()["id"]
    job = wait_for(client, job_id)
    assert job["status"] == "failed" and "H#" in job["error"] and "Traceback" not in job["error"]


def test_queue_full_is_429_with_retry_after(client):
    ids = []
    try:
        for _ in range(2):  # two workers: both busy
            ids.append(client.post("/v1/jobs", json={"kind": "test_sleep", "seconds": 3, "steps": 3}).json()["id"])
        for job_id in ids:
            wait_for(client, job_id, ("running",))
        for _ in range(3):  # max_queued = 3
            response = client.post("/v1/jobs", json={"kind": "test_sleep", "seconds": 3})
            assert response.status_code == 202
            ids.append(response.json()["id"])
        full = client.post("/v1/jobs", json={"kind": "test_sleep", "seconds": 3})
        assert full.status_code == 429
        assert int(full.headers["retry-after"]) >= 1 and "queue is full" in full.json()["detail"]
    finally:
        for job_id in ids:
            client.post(f"/v1/jobs/{job_id}/cancel")
    assert client.post("/v1/jobs", json={"kind": "test_sleep", "seconds": 0}).status_code == 202


def test_unknown_job_and_file_paths_are_404(client, server):
    job_id = client.post("/v1/jobs", json=_sfx(recipe="ui", preset="click", duration_s=None)).json()["id"]
    job = wait_for(client, job_id)
    name = job["files"][0]["name"]
    assert client.get(f"/v1/jobs/{job_id}/files/{name}").status_code == 200
    assert client.get("/v1/jobs/0123456789abcdef").status_code == 404
    assert client.get("/v1/jobs/../../etc").status_code == 404
    assert client.get("/v1/jobs/0123456789abcdef/events").status_code == 404
    # sent byte for byte: no client-side normalisation of dot segments or escapes
    for bad in ("..%2F..%2Fjobs.sqlite3", "%2E%2E/%2E%2E/jobs.sqlite3", "../../jobs.sqlite3", "%2Fetc%2Fpasswd",
                "..", "jobs.sqlite3", name.upper(), f"{name}%00", f"../{job_id}/{name}"):
        status, _ = raw_request(server, f"GET /v1/jobs/{job_id}/files/{bad} HTTP/1.1\r\nHost: x\r\n"
                                        "Connection: close\r\n\r\n")
        assert status == 404, bad
    other = client.post("/v1/jobs", json={"kind": "test_sleep", "seconds": 0}).json()["id"]
    wait_for(client, other)
    assert client.get(f"/v1/jobs/{other}/files/{name}").status_code == 404  # another job's file name


def test_openapi_documents_the_request_models(server):
    import httpx

    schema = httpx.get(f"{server.url}/openapi.json").json()  # open without the token
    for model in ("SfxRequest", "ArrangeRequest", "RenderRequest", "JobView"):
        assert model in schema["components"]["schemas"], model
    assert {"/v1/jobs", "/v1/jobs/{job_id}", "/v1/jobs/{job_id}/events", "/v1/jobs/{job_id}/files/{name}",
            "/v1/jobs/{job_id}/cancel", "/v1/uploads"} <= set(schema["paths"])
    sfx = schema["components"]["schemas"]["SfxRequest"]["properties"]
    assert sfx["sample_rate"]["enum"] == [22050, 44100, 48000]


def test_discovery_routes_and_the_root_hook(client):
    kinds = client.get("/v1/kinds").json()
    assert {"sfx", "arrange", "render"} <= set(kinds)
    assert kinds["sfx"]["properties"]["variations"]["minimum"] == 1
    limits = client.get("/v1/limits").json()
    assert limits["max_variations"] == 4 and limits["token"] == "set" and limits["data_dir"] is None
    assert set(limits["queue"]) == {"queued", "running", "done", "failed", "cancelled"}
    assert client.get("/v1/sweeps").json() == []  # retention is a week: nothing swept yet
    listing = client.get("/v1/jobs", params={"status": "done", "limit": 2}).json()
    assert len(listing) <= 2 and all(job["status"] == "done" for job in listing)
    from museforge.serve.http import WEB_INDEX

    root = client.get("/")
    assert root.status_code == 200
    if WEB_INDEX.is_file():  # the web studio, once installed, takes over the hook
        assert root.headers["content-type"].startswith("text/html")
    else:
        assert root.json()["openapi"] == "/openapi.json"
