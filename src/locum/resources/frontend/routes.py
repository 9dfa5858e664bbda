"""What Clerk's Frontend API does for a browser, served under /locum so flows can be exercised."""

from locum.api.routing import resource_router

router = resource_router()
