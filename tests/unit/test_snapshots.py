"""The snapshot serializer (locum.db.snapshots): values, the header, row order and which rows a
snapshot without secrets (or of one instance) leaves out."""

from typing import Any

import orjson
import pytest
from sqlalchemy import Table

from locum.db.base import Base
from locum.db.snapshots import (
    Header,
    Kept,
    SnapshotError,
    decode_value,
    encode_value,
    parse_records,
    row_as_written,
    row_order,
    tables,
)


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def written(name: str, row: dict[str, Any], kept: Kept, **options: Any) -> dict[str, Any] | None:
    settings = {"instance_id": None, "without_secrets": False} | options
    result = row_as_written(table(name), row, kept, **settings)
    if result is not None:
        kept.add(table(name), result)
    return result


@pytest.fixture
def kept() -> Kept:
    return Kept.for_tables(tables())


class TestValues:
    def test_binary_values_are_base64_both_ways(self) -> None:
        column = table("images").c.content
        assert encode_value(column, b"\x00\xffpng") == "AP9wbmc="
        assert encode_value(column, memoryview(b"\x00\xffpng")) == "AP9wbmc="
        assert decode_value(column, "AP9wbmc=") == b"\x00\xffpng"

    def test_other_values_and_nulls_are_kept_as_they_are(self) -> None:
        metadata = table("users").c.public_metadata
        assert encode_value(metadata, {"b": [1, 2.5], "a": None}) == {"b": [1, 2.5], "a": None}
        assert encode_value(table("images").c.content, None) is None
        assert decode_value(table("users").c.created_at, 1700000000123) == 1700000000123


class TestHeader:
    def test_the_header_line_starts_with_the_version_and_parses_back(self) -> None:
        header = Header(schema="0015", secrets=True, master_key="0123456789abcdef", instance=None)
        assert header.line().startswith(b'{"locum_snapshot":1,"schema":"0015"')
        assert Header.parse(header.line()) == header

    @pytest.mark.parametrize("line", [b"", b"not json", b'{"table":"users","row":{}}', b'{"locum_snapshot":2}'])
    def test_anything_else_is_not_a_snapshot(self, line: bytes) -> None:
        with pytest.raises(SnapshotError, match="not a locum snapshot"):
            Header.parse(line)


class TestOrder:
    def test_primary_keys_sort_by_code_point_whatever_the_database_collation(self) -> None:
        rows = [{"id": "user_a"}, {"id": "user_Z"}, {"id": "user_B"}, {"id": "user__"}]
        ordered = sorted(rows, key=lambda row: row_order(table("users"), row))
        assert [row["id"] for row in ordered] == ["user_B", "user_Z", "user__", "user_a"]

    def test_parents_come_before_children(self) -> None:
        names = [each.name for each in tables()]
        assert names[0] == "instances"
        assert names.index("users") < names.index("email_addresses")
        assert names.index("roles") < names.index("organization_memberships")
        assert names.index("webhook_endpoints") < names.index("webhook_deliveries") < names.index("webhook_attempts")


class TestWithoutSecrets:
    def test_a_nullable_sealed_column_becomes_null(self, kept: Kept) -> None:
        written("instances", {"id": "ins_1"}, kept)
        template = {"id": "jtmp_1", "instance_id": "ins_1", "sealed_signing_key": b"k", "signing_algorithm": "HS256"}
        without = written("jwt_templates", template, kept, without_secrets=True)
        # Without its own key the template signs with the instance's key, and says so.
        assert without == {**template, "sealed_signing_key": None, "signing_algorithm": "RS256"}
        assert written("jwt_templates", template, kept) == template

    def test_a_row_whose_sealed_column_is_required_is_left_out_and_so_are_rows_referring_to_it(
        self, kept: Kept
    ) -> None:
        written("instances", {"id": "ins_1"}, kept)
        machine = {"id": "mch_1", "instance_id": "ins_1"}
        assert written("machines", machine, kept, without_secrets=True) == machine
        secret = {"id": "msk_1", "instance_id": "ins_1", "machine_id": "mch_1", "sealed_secret": b"x"}
        assert written("machine_secret_keys", secret, kept, without_secrets=True) is None
        token = {"id": "mt_1", "instance_id": "ins_1", "machine_id": "mch_1", "sealed_token": None}
        assert written("m2m_tokens", token, kept, without_secrets=True) == token

    def test_a_reference_that_set_null_on_delete_is_nulled_instead(self, kept: Kept) -> None:
        written("instances", {"id": "ins_1"}, kept)
        entry = {"id": "wle_1", "instance_id": "ins_1", "invitation_id": "inv_gone"}
        assert written("waitlist_entries", entry, kept) == {**entry, "invitation_id": None}


class TestOneInstance:
    def test_only_that_instance_and_its_rows_are_written(self, kept: Kept) -> None:
        assert written("instances", {"id": "ins_1"}, kept, instance_id="ins_2") is None
        assert written("instances", {"id": "ins_2"}, kept, instance_id="ins_2") == {"id": "ins_2"}
        assert written("users", {"id": "user_1", "instance_id": "ins_1"}, kept, instance_id="ins_2") is None
        assert written("users", {"id": "user_2", "instance_id": "ins_2"}, kept, instance_id="ins_2") is not None


class TestParseRecords:
    def test_rows_are_decoded_for_their_table(self) -> None:
        line = orjson.dumps({"table": "images", "row": {"id": "img_1", "content": "AP8="}})
        [(parsed_table, row)] = parse_records([line])
        assert parsed_table.name == "images" and row == {"id": "img_1", "content": b"\x00\xff"}

    @pytest.mark.parametrize(
        ("line", "problem"),
        [
            (b'{"table":"nope","row":{}}', "line 2 is not a row of a locum table"),
            (b'{"table":"users","row":{"shoe_size":42}}', "line 2: users has no column shoe_size"),
            (b"{", "line 2 is not a row of a locum table"),
        ],
    )
    def test_a_bad_line_is_named(self, line: bytes, problem: str) -> None:
        with pytest.raises(SnapshotError, match=problem):
            list(parse_records([line]))
