"""Sessions. The router is imported from `routes` directly: the users package calls `endings`, and
importing the router here would make that an import cycle (session creation calls the users package)."""
