"""Clerk's Allow-list / Block-list operations, and the instance restrictions they feed (restrictions.py)."""

from locum.resources.identifier_lists.routes import router

__all__ = ["router"]
