"""Ids: a prefix and 27 base62 characters."""

import secrets

from locum.kit.ids import BASE62, ID_BODY_LENGTH, base62, new_id


def decoded(text: str) -> int:
    value = 0
    for character in text:
        value = value * 62 + BASE62.index(character)
    return value


class TestBase62:
    def test_writes_the_number_in_base_62_padded_with_zeros(self) -> None:
        assert base62(0, 3) == "000"
        assert base62(61, 1) == "z"
        assert base62(62, 1) == "10"
        assert base62(62**5, 8) == "00100000"
        assert base62(62**4 - 1, 0) == "zzzz"

    def test_round_trips_numbers_of_every_size(self) -> None:
        for bits in range(1, 161):
            number = secrets.randbits(bits)
            assert decoded(base62(number, ID_BODY_LENGTH)) == number


class TestNewId:
    def test_is_the_prefix_and_27_base62_characters(self) -> None:
        prefix, _, body = new_id("user").partition("_")
        assert prefix == "user"
        assert len(body) == ID_BODY_LENGTH
        assert set(body) <= set(BASE62)
