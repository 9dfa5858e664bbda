"""Redirect URLs as Clerk renders them (the spec's RedirectURL)."""

from locum.db.models import RedirectUrl
from locum.kit.json_types import JSON, columns


def redirect_url_json(redirect_url: RedirectUrl) -> JSON:
    return {"object": "redirect_url", **columns(redirect_url, "id", "url", "created_at", "updated_at")}


def deleted_redirect_url_json(redirect_url_id: str) -> JSON:
    return {"object": "redirect_url", "id": redirect_url_id, "deleted": True}
