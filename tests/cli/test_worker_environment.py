"""`locum serve --workers N`: each worker process reads its settings from the environment the
server gives it, and learns from it how many workers share the machine (kit/jwt_signing.py
signs on threads of its own only where they leave cores idle)."""

import pytest

from locum.cli.serve import _worker_environment
from locum.settings import Settings


class TestWorkerEnvironment:
    def test_a_worker_reads_the_server_s_worker_count(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name, value in _worker_environment(Settings(workers=3)).items():
            monkeypatch.setenv(name, value)
        assert Settings().workers == 3
