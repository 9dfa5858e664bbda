"""locum in other projects' test suites: `pytest_plugin` (the `locum_server`, `locum_env` and
`locum_reset` fixtures, registered as a pytest11 entry point) and `server` (an ephemeral
`locum serve` process, usable without pytest)."""
