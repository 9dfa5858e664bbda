"""Request body of CreateRedirectURL (the list takes a PaginatedQuery); the URL's form is checked
by the service."""

from typing import Annotated

from pydantic import Field

from locum.api.bodies import ClerkBody
from locum.db.models.domains import URL_MAX_LENGTH


class CreateRedirectURLBody(ClerkBody):
    url: Annotated[str, Field(min_length=1, max_length=URL_MAX_LENGTH)]
