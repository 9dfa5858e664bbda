"""Users routes, split by concern; each module holds one function per Clerk operation."""

from locum.resources.users.routes import accounts, core, metadata, profile_image, security

routers = [core.router, metadata.router, security.router, accounts.router, profile_image.router]
