"""Shared strategies and helpers for the core tests."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Stores to record to and resume from, a real PostgreSQL server among them (one per run).
from tests.stores.fixtures import pg_server, pg_url, store_url  # noqa: F401

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "default")

keys = st.sampled_from(["a", "b", "c", "d", "name", "items", "done", "n"])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)


def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=6),
        st.dictionaries(keys, children, max_size=5),
        st.tuples(children, children),
        st.sets(st.integers(0, 20), max_size=5),
    )


values = st.recursive(scalars, containers, max_leaves=20)
states = st.dictionaries(keys, values, max_size=6)
# deepdiff's Delta finds list items to remove by ==, which NaN never satisfies.
values_without_nan = st.recursive(scalars.filter(lambda v: v == v), containers, max_leaves=20)
states_without_nan = st.dictionaries(keys, values_without_nan, max_size=6)
