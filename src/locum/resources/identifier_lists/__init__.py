"""Clerk's Allow-list / Block-list operations, and the instance restrictions they feed (restrictions.py).
The router is imported from `routes` directly: user and invitation creation call `restrictions`, and
an allow-listed address can be invited, so importing the router here would make an import cycle."""
