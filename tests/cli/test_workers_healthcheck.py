"""`locum serve --workers N`: uvicorn kills a worker process that does not answer its health check in
time; one importing the app on a busy machine must not be mistaken for a hung one."""

from locum.cli.serve import workers_config
from locum.settings import Settings

# uvicorn's own default, under which loaded machines lost workers as they started.
UVICORN_DEFAULT_SECONDS = 5


class TestWorkersHealthcheck:
    def test_the_default_leaves_a_starting_worker_ample_time(self) -> None:
        assert workers_config(Settings(workers=2)).timeout_worker_healthcheck >= 10 * UVICORN_DEFAULT_SECONDS

    def test_the_setting_is_what_uvicorn_waits(self) -> None:
        settings = Settings(workers=2, worker_healthcheck_timeout_seconds=90)
        assert workers_config(settings).timeout_worker_healthcheck == 90
