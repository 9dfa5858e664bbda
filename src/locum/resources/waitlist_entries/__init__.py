from locum.resources.waitlist_entries.routes import router

__all__ = ["router"]
