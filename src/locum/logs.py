"""Process-wide logging: one format for `locum serve` and each of its worker processes.

LOCUM_LOG_FORMAT=text (the default) writes lines for people; json writes one JSON object a line for
log collectors: time, level, logger, message, the traceback if any (`exception`), and the fields a
call passed as `extra` (the access log's trace_id, route, method, status, duration_ms, instance_id;
a failed webhook delivery's endpoint_id, event_id, …). Nothing secret is passed as `extra`.
"""

import logging
from datetime import UTC, datetime
from typing import Any

import orjson

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FORMAT = "json"
# What every LogRecord carries; anything else on a record came from a call's `extra`, but for
# uvicorn's copy of its message with terminal colour codes.
_NOT_EXTRA = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update((name, value) for name, value in record.__dict__.items() if name not in _NOT_EXTRA)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def configure_logging(level: str, log_format: str) -> None:
    handler = logging.StreamHandler()
    if log_format == JSON_FORMAT:
        handler.setFormatter(JsonFormatter())
        # Python's warnings are written to stderr as they are otherwise: a line no collector could parse.
        logging.captureWarnings(True)
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler])
