"""Fixtures: one real server for the API tests (see serve_helpers.Server)."""

from __future__ import annotations

import pytest
from serve_helpers import Server


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """One server for the API tests: a token, small limits, a short job timeout, two workers, no composer
    weights (whatever a training run left in checkpoints/)."""
    data_dir = tmp_path_factory.mktemp("serve") / "data"
    srv = Server(data_dir, "--max-queued", "3", "--max-variations", "4", "--max-duration-s", "30",
                 "--max-upload-bytes", "65536", "--job-timeout-s", "4", "--n-workers", "2",
                 token="test-token-123", env={"MUSEFORGE_COMPOSER": str(data_dir.parent / "no-composer")}).start()
    yield srv
    srv.stop()


@pytest.fixture()
def client(server):
    with server.client() as c:
        yield c
