from locum.resources.m2m_tokens.routes import router

__all__ = ["router"]
