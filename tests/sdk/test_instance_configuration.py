"""The instance and its settings through the official SDK (clerk.instance_settings.*,
clerk.beta_features.*) against real servers.

These operations change instance-wide settings (test mode, allowlist, SMS blocklist) that the other
SDK tests rely on, so they run against servers of their own: a development one and a production one.
"""

from collections.abc import Iterator

import pytest
from clerk_backend_api import Clerk, models

from locum.kit.keys import new_secret_key
from tests.sdk.conftest import NO_RETRIES, LocumServer, new_user, start_server, stop_server

FRENCH_PHONE = "+33612345678"


@pytest.fixture(scope="module")
def development_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocumServer]:
    running = start_server(tmp_path_factory.mktemp("sdk_config_dev"))
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def production_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocumServer]:
    running = start_server(
        tmp_path_factory.mktemp("sdk_config_prod"), extra_env={"LOCUM_SECRET_KEY": new_secret_key("production")}
    )
    yield running
    stop_server(running)


def sdk(server: LocumServer) -> Clerk:
    # The key the server's default instance was made with (the production server's overrides it).
    secret_key = server.environment["LOCUM_SECRET_KEY"]
    return Clerk(bearer_auth=secret_key, server_url=server.api_url, retry_config=NO_RETRIES)


@pytest.fixture
def development(development_server: LocumServer) -> Iterator[Clerk]:
    with sdk(development_server) as clerk:
        yield clerk


@pytest.fixture
def production(production_server: LocumServer) -> Iterator[Clerk]:
    with sdk(production_server) as clerk:
        yield clerk


def test_get_and_update_the_instance(development: Clerk) -> None:
    instance = development.instance_settings.get()
    assert isinstance(instance, models.Instance)
    assert instance.environment_type == "development" and instance.id.startswith("ins_")
    development.instance_settings.update(
        request={"allowed_origins": ["https://app.example.com"], "support_email": "help@example.com"}
    )
    assert development.instance_settings.get().allowed_origins == ["https://app.example.com"]
    with pytest.raises(models.ClerkErrors) as raised:
        development.instance_settings.update(request={"support_email": "nope"})
    assert raised.value.data.errors[0].code == "form_param_format_invalid"


def test_restrictions(development: Clerk) -> None:
    restrictions = development.instance_settings.update_restrictions(request={"block_email_subaddresses": True})
    assert isinstance(restrictions, models.InstanceRestrictions)
    assert restrictions.block_email_subaddresses is True and restrictions.allowlist is False
    development.instance_settings.update_restrictions(request={"block_email_subaddresses": False})


def test_protect(development: Clerk) -> None:
    assert development.instance_settings.get_instance_protect().rules_enabled is False
    protect = development.instance_settings.update_instance_protect(request={"rules_enabled": True})
    assert isinstance(protect, models.InstanceProtect)
    assert protect.rules_enabled is True and protect.checks_bypassed is False
    assert development.instance_settings.get_instance_protect().rules_enabled is True


def test_communication_blocks_sms_to_a_country(development: Clerk) -> None:
    assert development.instance_settings.get_communication().blocked_country_codes == []
    communication = development.instance_settings.update_communication(request={"blocked_country_codes": ["FR"]})
    assert isinstance(communication, models.InstanceCommunication)
    assert communication.blocked_country_codes == ["FR"]
    user = new_user(development)
    phone = development.phone_numbers.create(request={"user_id": user.id, "phone_number": FRENCH_PHONE})
    try:
        with pytest.raises(models.ClerkErrors) as raised:
            development.phone_numbers.prepare_verification(phone_number_id=phone.id)
        assert raised.value.data.errors[0].code == "unsupported_country_code"
    finally:
        development.instance_settings.update_communication(request={"blocked_country_codes": []})
    verification = development.phone_numbers.prepare_verification(phone_number_id=phone.id)
    assert verification.status == "unverified"


def test_oauth_application_settings(development: Clerk) -> None:
    settings = development.instance_settings.get_o_auth_application_settings()
    assert isinstance(settings, models.OAuthApplicationSettings)
    assert settings.default_scopes is None
    updated = development.instance_settings.update_o_auth_application_settings(
        request={"default_scopes": ["profile", "email"], "dynamic_oauth_client_registration": True}
    )
    assert updated.default_scopes == ["profile", "email"] and updated.dynamic_oauth_client_registration is True
    assert development.instance_settings.get_o_auth_application_settings().default_scopes == ["profile", "email"]


def test_auth_config(development: Clerk) -> None:
    settings = development.beta_features.update_instance_settings(
        request={"restricted_to_allowlist": False, "from_email_address": "hello", "test_mode": True}
    )
    assert settings.object == "instance_settings"
    assert settings.from_email_address == "hello" and settings.restricted_to_allowlist is False
    assert settings.id == development.instance_settings.get().id


def test_production_domain_changes(production: Clerk, development: Clerk) -> None:
    assert production.instance_settings.get().environment_type == "production"
    production.beta_features.update_production_instance_domain(request={"home_url": "https://www.example.com"})
    production.instance_settings.change_domain(request={"home_url": "https://app.example.com", "is_secondary": True})
    with pytest.raises(models.ClerkErrors) as raised:
        development.instance_settings.change_domain(request={"home_url": "https://www.example.com"})
    assert raised.value.data.errors[0].code == "request_invalid_for_environment"
    with pytest.raises(models.ClerkErrors) as raised:
        production.beta_features.update_production_instance_domain(request={"home_url": "not a url"})
    assert raised.value.data.errors[0].code == "form_param_format_invalid"
