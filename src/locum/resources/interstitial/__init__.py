from locum.resources.interstitial.routes import router

__all__ = ["router"]
