"""locum's list of Clerk webhook event types is exactly the webhooks spec's `x-webhooks`, in order."""

import pytest
import yaml

from locum.resources.webhook_endpoints.event_types import WEBHOOK_EVENT_TYPES
from tests.contract.spec import SPEC_DIR

WEBHOOKS_SPEC_PATH = SPEC_DIR / "webhooks-2025-04-15.yml"


@pytest.mark.skipif(not WEBHOOKS_SPEC_PATH.is_file(), reason=f"Clerk's webhooks spec not found at {WEBHOOKS_SPEC_PATH}")
def test_event_types_match_the_webhooks_spec() -> None:
    with WEBHOOKS_SPEC_PATH.open(encoding="utf-8") as spec_file:
        spec = yaml.load(spec_file, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert list(WEBHOOK_EVENT_TYPES) == list(spec["x-webhooks"])
