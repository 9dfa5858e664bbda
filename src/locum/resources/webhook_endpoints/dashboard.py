"""locum's stand-in for Svix's dashboard: one server-rendered page of endpoints, messages and attempts.

Plain HTML with a little inline CSS, no scripts. Every value is escaped: URLs, descriptions and
response excerpts come from users and receivers.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

import orjson

from locum.kit.json_types import JSON

# The newest messages shown, at most (GET /locum/webhooks/messages pages through the rest).
DASHBOARD_MESSAGE_LIMIT = 100
STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1f2328; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
code, pre { font: 12px ui-monospace, monospace; }
pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; white-space: pre-wrap; }
details.message { border: 1px solid #d0d7de; margin: .4rem 0; padding: .3rem .6rem; }
.succeeded { color: #1a7f37; } .failed { color: #cf222e; } .pending { color: #9a6700; }
.muted { color: #656d76; }
"""


def format_ms(ms: int | None) -> str:
    if ms is None:
        return "—"
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return f"{moment:%Y-%m-%d %H:%M:%S}.{ms % 1000:03d}Z"


def _cells(values: Iterable[str], tag: str = "td") -> str:
    """A table row of already-escaped cell contents."""
    return "<tr>" + "".join(f"<{tag}>{value}</{tag}>" for value in values) + "</tr>"


def _text(value: Any) -> str:
    return escape("" if value is None else str(value))


def _status(status: str) -> str:
    return f'<span class="{escape(status)}">{escape(status)}</span>'


def _endpoint_state(endpoint: JSON) -> str:
    if endpoint["enabled"]:
        return '<span class="succeeded">enabled</span>'
    reason = f" ({_text(endpoint['disabled_reason'])})" if endpoint["disabled_reason"] else ""
    return f'<span class="failed">disabled{reason}</span>'


def _event_types(event_types: list[str] | None) -> str:
    if event_types is None:
        return '<span class="failed">cannot be read: set them again (it gets no events meanwhile)</span>'
    return _text(", ".join(event_types) or "all")


def _secret(secret: str | None) -> str:
    if secret is None:
        return '<span class="failed">does not unseal with this master key: rotate it</span>'
    return f"<details><summary>Reveal</summary><code>{_text(secret)}</code></details>"


def _endpoints_section(endpoints: Sequence[JSON]) -> str:
    if not endpoints:
        return (
            "<p class=muted>No endpoints. Add one with <code>locum webhooks add URL</code>, "
            "<code>POST /locum/webhooks/endpoints</code> or <code>LOCUM_WEBHOOK_URL</code>.</p>"
        )
    rows = [
        _cells(
            [
                f"<code>{_text(endpoint['url'])}</code><br><span class=muted>{_text(endpoint['id'])}</span>",
                _text(endpoint["description"]),
                _event_types(endpoint["event_types"]),
                _endpoint_state(endpoint),
                _text(endpoint["source"]),
                _secret(endpoint["secret"]),
            ]
        )
        for endpoint in endpoints
    ]
    header = _cells(["URL", "Description", "Event types", "State", "Source", "Signing secret"], "th")
    return f"<table>{header}{''.join(rows)}</table>"


def _attempts_table(attempts: Sequence[JSON]) -> str:
    if not attempts:
        return "<p class=muted>No attempts yet.</p>"
    header = _cells(["Attempted at", "Response status", "Duration", "Response / error"], "th")
    rows = [
        _cells(
            [
                _text(format_ms(attempt["attempted_at"])),
                _text(attempt["response_status"] if attempt["response_status"] is not None else "—"),
                _text(f"{attempt['duration_ms']} ms"),
                f"<pre>{_text(attempt['error'] or attempt['response_excerpt'])}</pre>",
            ]
        )
        for attempt in attempts
    ]
    return f"<table>{header}{''.join(rows)}</table>"


def _delivery(delivery: JSON, endpoint_urls: dict[str, str]) -> str:
    url = endpoint_urls.get(delivery["endpoint_id"], delivery["endpoint_id"])
    next_attempt = (
        f", next attempt {_text(format_ms(delivery['next_attempt_at']))}" if delivery["next_attempt_at"] else ""
    )
    return (
        f"<h4><code>{_text(url)}</code>: {_status(delivery['status'])}, "
        f"{_text(delivery['attempt_count'])} attempt(s){next_attempt}</h4>" + _attempts_table(delivery["attempts"])
    )


def _message(message: JSON, endpoint_urls: dict[str, str]) -> str:
    deliveries = message["deliveries"]
    outcome = ", ".join(_status(delivery["status"]) for delivery in deliveries)
    if not outcome:
        outcome = _status("failed") if message["error"] else '<span class="muted">not fanned out yet</span>'

    body = "".join(_delivery(delivery, endpoint_urls) for delivery in deliveries)
    error = f'<p class="failed">{_text(message["error"])}</p>' if message["error"] else ""
    return (
        '<details class="message"><summary>'
        f"{_text(format_ms(message['created_at']))} · <strong>{_text(message['event_type'])}</strong> · "
        f"<code>{_text(message['id'])}</code> · {outcome}</summary>"
        f"{error}{body}{_payload(message['payload'])}</details>"
    )


def _payload(payload: orjson.Fragment | None) -> str:
    if payload is None:
        return ""
    # The payload as delivered (rendered, so it parses and renders again), indented for reading.
    indented = orjson.dumps(orjson.loads(orjson.dumps(payload)), option=orjson.OPT_INDENT_2).decode()
    return f"<details><summary>Payload</summary><pre>{_text(indented)}</pre></details>"


def render_dashboard(*, instance_id: str, endpoints: Sequence[JSON], messages: Sequence[JSON], total: int) -> str:
    endpoint_urls = {endpoint["id"]: endpoint["url"] for endpoint in endpoints}
    shown = f"newest {len(messages)} of {total}" if total > len(messages) else f"{total}"
    message_list = "".join(_message(message, endpoint_urls) for message in messages) or (
        "<p class=muted>No messages yet.</p>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Webhooks · {_text(instance_id)} · locum</title><style>{STYLE}</style></head><body>"
        f"<h1>Webhooks <span class=muted>{_text(instance_id)}</span></h1>"
        f"<h2>Endpoints ({len(endpoints)})</h2>{_endpoints_section(endpoints)}"
        f"<h2>Messages ({shown})</h2>{message_list}"
        "</body></html>"
    )
