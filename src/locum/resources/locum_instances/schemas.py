"""The body that creates an instance."""

from typing import Literal

from locum.api.bodies import ClerkBody


class CreateInstanceBody(ClerkBody):
    environment_type: Literal["development", "production"]
