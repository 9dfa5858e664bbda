"""The one paging path (api/pagination.py): counting, the id tie-break, and Clerk's two list envelopes."""

import orjson
from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from locum.api.ordering import Ordering
from locum.api.pagination import PageQuery, count_of, list_body, list_document, ordered, total_count_body, window
from locum.db.models import Organization


def sql(statement: object) -> str:
    return str(statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))  # type: ignore[attr-defined]


class TestCountOf:
    def test_counts_the_rows_without_their_order_or_window(self) -> None:
        statement = window(select(Organization).order_by(Organization.name), PageQuery(limit=5, offset=10))
        counted = sql(count_of(statement))
        assert counted.startswith("SELECT count(*) AS count_1 \nFROM (SELECT")
        assert "ORDER BY" not in counted and "LIMIT" not in counted


class TestOrdered:
    def test_ties_are_broken_by_id_in_the_same_direction(self) -> None:
        descending = sql(ordered(select(Organization), Ordering("name", True), Organization.name, Organization.id))
        assert descending.endswith("ORDER BY organizations.name DESC, organizations.id DESC")
        ascending = sql(ordered(select(Organization), Ordering("name", False), Organization.name, Organization.id))
        assert ascending.endswith("ORDER BY organizations.name ASC, organizations.id ASC")


class TestEnvelopes:
    def test_a_list_without_a_total_is_a_bare_array(self) -> None:
        assert list_body([{"id": "a"}], None) == [{"id": "a"}]
        assert list_document([b'{"id":"a"}'], None) == b'[{"id":"a"}]'

    def test_a_list_with_a_total_is_data_and_total_count(self) -> None:
        assert list_body([{"id": "a"}], 7) == {"data": [{"id": "a"}], "total_count": 7}
        assert orjson.loads(list_document([b'{"id":"a"}', b'{"id":"b"}'], 7)) == {
            "data": [{"id": "a"}, {"id": "b"}],
            "total_count": 7,
        }

    def test_the_count_operations_answer_an_object(self) -> None:
        assert total_count_body(3) == {"object": "total_count", "total_count": 3}
