"""services/backup/bounds.py follows the JSON lexically as it streams: whatever the chunks it is
read in, a document within the bounds parses exactly as json.loads reads it, and a string, a
number or a nesting one byte over its bound is refused."""

from __future__ import annotations

import io
import json
import random

import ijson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movie_lottery.services.backup.bounds import MAX_DEPTH, MAX_NUMBER_BYTES, MAX_VALUE_BYTES, BoundedStream, OverBound


class Trickle(io.RawIOBase):
    """A file that answers each read with a few bytes at most (every split a chunk may have)."""

    def __init__(self, data: bytes, seed: int, most: int):
        self.data, self.pos, self.rng, self.most = data, 0, random.Random(seed), most

    def read(self, size: int = -1) -> bytes:
        take = self.rng.randint(1, self.most) if size < 0 else min(size, self.rng.randint(1, self.most))
        chunk = self.data[self.pos : self.pos + take]
        self.pos += len(chunk)
        return chunk


def parse(data: bytes, seed: int = 0, most: int = 7):
    return next(ijson.items(BoundedStream(Trickle(data, seed, most)), "", use_float=True))


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from('"\\/\n\t\u0416'), max_size=30)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63) + 1, 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)  # no deadline: the machine is shared
@given(value=json_values, ascii_only=st.booleans(), seed=st.integers(0, 2**16))
def test_any_document_within_the_bounds_parses_as_json_reads_it(value, ascii_only, seed):
    data = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert parse(data, seed) == json.loads(data, parse_float=float)


@pytest.mark.parametrize("seed", range(3))
def test_each_bound_holds_to_the_byte_across_chunk_edges(seed):
    # exactly the bound: plain text, then escaped quotes and backslashes (4 bytes each) over chunk edges
    body = b"x" * (MAX_VALUE_BYTES - 4 * 4096) + b'\\"\\\\' * 4096
    assert parse(b'["' + body + b'"]', seed, most=65536) == ["x" * (MAX_VALUE_BYTES - 4 * 4096) + '"\\' * 4096]
    with pytest.raises(OverBound, match="a value over 4 MiB"):
        parse(b'["' + body + b'x"]', seed, most=65536)
    number = b"0." + b"1" * (MAX_NUMBER_BYTES - 2)  # (an integer that long overflows in the parser anyway)
    assert parse(b"[" + number + b", 2]", seed) == [float(number), 2]
    with pytest.raises(OverBound, match="a number over"):
        parse(b"[" + number + b"1, 2]", seed)
    assert parse(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, seed) is not None
    with pytest.raises(OverBound, match="nested deeper"):
        parse(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), seed)


def test_the_values_before_an_over_long_number_reach_the_parser_first():
    """The reader names the column of the offending value from the values parsed before it."""
    events = []
    with pytest.raises(OverBound):
        for event in ijson.parse(BoundedStream(io.BytesIO(b'[1, "two", ' + b"3" * 100 + b"]"))):
            events.append(event[1:])
    assert events == [("start_array", None), ("number", 1), ("string", "two")]
