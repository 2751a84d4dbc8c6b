"""How the upload route reports a parser that hangs or crashes (in-process app; the worker is stubbed)."""

from __future__ import annotations

import concurrent.futures

import pebble
import pytest
from fastapi.testclient import TestClient

from museforge.serve.http import create_app
from museforge.serve.settings import ServeSettings


def _failed(exc: BaseException) -> concurrent.futures.Future:
    future: concurrent.futures.Future = concurrent.futures.Future()
    future.set_exception(exc)
    return future


@pytest.mark.parametrize(("exc", "message"), [
    (concurrent.futures.TimeoutError(), "file: parsing took longer than 10 s; rejected"),
    (pebble.ProcessExpired("Abnormal termination", code=-11), "file: the midi parser failed on this file; rejected"),
])
def test_a_hanging_or_crashing_parser_rejects_the_upload(tmp_path, exc, message):
    app = create_app(ServeSettings(data_dir=tmp_path))
    app.state.supervisor.check_upload = lambda kind, path: _failed(exc)  # what pebble reports in those cases
    client = TestClient(app)  # no lifespan: no worker processes are started
    response = client.post("/v1/uploads", params={"kind": "midi"}, content=b"MThd" + b"\0" * 100)
    assert response.status_code == 422 and response.json()["detail"] == message
    assert list((tmp_path / "uploads").iterdir()) == []  # nothing kept of a rejected file
