from locum.resources.beta_features.routes import router

__all__ = ["router"]
