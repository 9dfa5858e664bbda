"""locum: a self-hostable implementation of Clerk's Backend API."""

__version__ = "0.1.0"
