"""The JSON columns' reader answers what the standard library answers, for any document
json.dumps can write (integers past 64 bits, NaN and infinities, lone surrogates included)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from nubo.core.db import json_loads

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text() | st.integers(min_value=2 ** 63 - 10, max_value=2 ** 70))
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                         max_leaves=12)


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types (1 is not 1.0 nor True) and NaN equal to NaN."""
    return json.dumps(a) == json.dumps(b) and repr(a) == repr(b)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_reads_what_json_reads(doc: Any) -> None:
    text = json.dumps(doc)
    assert same(json_loads(text), json.loads(text))
    assert same(json_loads(text.encode()), json.loads(text))


def test_the_cases_where_orjson_alone_differs() -> None:
    for text in ('{"a": 18446744073709551616}', "[NaN, Infinity, -Infinity]", "1e400",
                 '["\\ud800"]', '{"a": 1, "a": 2}', "[-0, -0.0, 1e-320]"):
        assert same(json_loads(text), json.loads(text)), text
