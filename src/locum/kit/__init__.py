"""Pure helpers: nothing here imports from locum.api or locum.db."""
