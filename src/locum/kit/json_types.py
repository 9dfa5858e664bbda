"""The JSON document type every serializer returns."""

from typing import Any

JSON = dict[str, Any]
