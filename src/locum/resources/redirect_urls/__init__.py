from locum.resources.redirect_urls.routes import router

__all__ = ["router"]
