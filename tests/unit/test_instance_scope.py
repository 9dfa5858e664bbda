"""The instance-scope rule (db/scoping.py) and the repository base that satisfies it (db/repository.py).

The suite runs with the rule enforced (tests/conftest.py): any statement a test runs that touches an
instance-scoped table without filtering it on `instance_id` fails that test. These tests pin what
the rule counts as scoped.
"""

import pytest
from fastapi import FastAPI
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import aliased

from locum.api.errors import ClerkError
from locum.db.models import Organization, OrganizationMembership, User
from locum.db.repository import InstanceRepository
from locum.db.scoping import UnscopedQuery, across_instances, check_scope, unscoped_tables
from locum.instances.service import InstanceKeys
from locum.resources.images.repository import ImageRepository
from locum.resources.images.uploads import DecodedImage
from tests.builders import png_bytes


class TestUnscopedTables:
    def test_a_select_filtered_on_its_instance_is_scoped(self) -> None:
        assert unscoped_tables(select(User).where(User.instance_id == "ins_1", User.id == "user_1")) == []

    def test_a_select_by_id_alone_is_not(self) -> None:
        assert unscoped_tables(select(User).where(User.id == "user_1")) == ["users"]

    def test_a_joined_table_needs_its_own_condition(self) -> None:
        statement = (
            select(User)
            .join(OrganizationMembership, OrganizationMembership.user_id == User.id)
            .where(User.instance_id == "ins_1")
        )
        assert unscoped_tables(statement) == ["organization_memberships"]

    def test_a_join_on_the_instance_columns_scopes_the_joined_table(self) -> None:
        statement = (
            select(User)
            .join(
                OrganizationMembership,
                (OrganizationMembership.user_id == User.id) & (OrganizationMembership.instance_id == User.instance_id),
            )
            .where(User.instance_id == "ins_1")
        )
        assert unscoped_tables(statement) == []

    def test_a_subquery_is_checked_too(self) -> None:
        members = select(OrganizationMembership.organization_id).where(OrganizationMembership.user_id == "user_1")
        statement = select(Organization).where(Organization.instance_id == "ins_1", Organization.id.in_(members))
        assert unscoped_tables(statement) == ["organization_memberships"]

    def test_an_alias_is_checked_on_its_own(self) -> None:
        other = aliased(User)
        statement = select(User).join(other, other.id == User.id).where(User.instance_id == "ins_1")
        assert len(unscoped_tables(statement)) == 1

    def test_updates_and_deletes_are_checked(self) -> None:
        assert unscoped_tables(update(User).where(User.id == "user_1").values(first_name="Ada")) == ["users"]
        assert unscoped_tables(delete(User).where(User.id == "user_1")) == ["users"]
        assert unscoped_tables(delete(User).where(User.instance_id == bindparam("instance_id"))) == []


class TestCheckScope:
    def test_an_unscoped_statement_is_refused(self) -> None:
        with pytest.raises(UnscopedQuery, match="users"):
            check_scope(select(User.id), {})

    def test_a_statement_marked_across_instances_is_allowed(self) -> None:
        statement = across_instances(select(User.id))
        check_scope(statement, dict(statement.get_execution_options()))

    async def test_the_suite_enforces_the_rule_on_every_session(self, app: FastAPI) -> None:
        async with app.state.sessionmaker() as session:
            with pytest.raises(UnscopedQuery):
                await session.scalar(select(User.id).where(User.id == "user_1"))

    def test_the_suite_enforces_the_rule_on_the_bare_driver_reader(self, app: FastAPI) -> None:
        with pytest.raises(UnscopedQuery):
            app.state.reader.prepared(select(User.id).where(User.id == bindparam("user_id")))


class Users(InstanceRepository[User]):
    model = User
    id_kind = "user"

    def not_found(self, id: str) -> Exception:
        return LookupError(id)


class TestInstanceRepository:
    async def test_rows_are_added_to_and_read_from_its_instance_only(
        self, app: FastAPI, instance: InstanceKeys
    ) -> None:
        async with app.state.sessionmaker() as session:
            images = ImageRepository(session, instance.instance_id)
            added = images.store(DecodedImage("image/png", 4, 3, png_bytes()))
            await session.flush()
            assert added.id.startswith("img_") and added.created_at == added.updated_at
            assert (await images.get_or_raise(added.id)).id == added.id
            elsewhere = ImageRepository(session, "ins_another")
            assert await elsewhere.get(added.id) is None
            with pytest.raises(ClerkError):
                await elsewhere.get_or_raise(added.id)
            await session.rollback()

    def test_its_select_is_scoped(self) -> None:
        statement = Users(None, "ins_1").select(User.id).where(User.id == "user_1")  # type: ignore[arg-type]
        assert unscoped_tables(statement) == []
