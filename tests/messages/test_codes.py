"""The writer's code: shape, entropy, forgiving input, keyed verifier (messages/codes.py)."""

from __future__ import annotations

import math
import re

import pytest

from helpline.messages import codes

pytestmark = pytest.mark.once

SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def test_a_code_is_four_groups_of_four_crockford_characters():
    for _ in range(200):
        code = codes.new_code()
        assert SHAPE.match(code), code
        assert not set(code) & set("ILOU")


def test_a_code_carries_at_least_80_bits_and_uses_the_whole_alphabet():
    assert len(set(codes.ALPHABET)) == 32 and not set(codes.ALPHABET) & set("ILOU")
    assert codes.LENGTH * math.log2(len(codes.ALPHABET)) >= 80
    made = [codes.new_code().replace("-", "") for _ in range(2000)]
    assert len(set(made)) == len(made)
    assert set("".join(made)) == set(codes.ALPHABET)  # every character turns up
    for position in range(codes.LENGTH):  # and in every position, not a fixed prefix
        assert len({code[position] for code in made}) > 20


@pytest.mark.parametrize("typed", [
    "ABCD-EFGH-JKMN-PQRS", "abcd efgh jkmn pqrs", " abcd-efgh-jkmnpqrs ", "ABCDEFGHJKMNPQRS",
    "ab cd-ef gh\tjk mn\npq rs",
])
def test_spaces_dashes_and_case_do_not_matter(typed):
    assert codes.normalise(typed) == "ABCDEFGHJKMNPQRS"


def test_letters_that_look_like_digits_read_as_digits():
    assert codes.normalise("1111-0000-ilIL-oOoO") == "1111000011110000"


@pytest.mark.parametrize("typed", [
    None, 12, "", "ABCD-EFGH-JKMN-PQR", "ABCD-EFGH-JKMN-PQRST", "ABCD-EFGH-JKMN-PQRU",
    "ABCD-EFGH-JKMN-PQR!", "ABCD/EFGH/JKMN/PQRS", "A" * 65,
])
def test_anything_else_is_no_code(typed):
    assert codes.normalise(typed) is None


def test_the_verifier_is_keyed_and_ignores_how_the_code_was_typed():
    code = codes.new_code()
    digest = codes.verifier("key-one", code)
    assert len(digest) == 64
    assert codes.verifier("key-one", code.lower().replace("-", " ")) == digest
    assert codes.verifier("key-two", code) != digest
    assert code.replace("-", "") not in digest
    assert codes.same(digest, digest)
    assert not codes.same(None, codes.UNKNOWN_DIGEST)  # no row never matches
    assert not codes.same(digest, codes.verifier("key-one", codes.new_code()))
