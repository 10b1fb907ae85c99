"""Value handling: private copies, equality, and the stand-ins used where a value can't be kept.

The recorder never stores the app's own objects: it keeps private copies, so later in-place
mutation by the app cannot rewrite history. Objects that cannot be copied (connections, locks,
file handles, functions) are tracked by identity in the recorder's shadow of the state and
appear in history and files as :class:`Opaque` records; they are never restored.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["MISSING", "REDACTED", "ObjectRecord", "Opaque", "Redacted", "type_name"]


from ._records import (
    _CONTAINERS as _CONTAINERS,
)
from ._records import (
    ATOMIC as ATOMIC,
)
from ._records import (
    MISSING as MISSING,
)
from ._records import (
    REDACTED as REDACTED,
)
from ._records import (
    ObjectRecord as ObjectRecord,
)
from ._records import (
    Opaque as Opaque,
)
from ._records import (
    Redacted as Redacted,
)
from ._records import (
    _Missing as _Missing,
)
from ._records import (
    is_ndarray as is_ndarray,
)
from ._records import (
    is_pandas as is_pandas,
)
from ._records import (
    numpy_module as numpy_module,
)
from ._records import (
    pandas_module as pandas_module,
)
from ._records import (
    safe_repr as safe_repr,
)
from ._records import (
    type_name as type_name,
)
from .kinds import kind_of
from .kinds.opaque import make_opaque


def copy_value(value: Any, keep_refs: bool, opaque_types: set[str] | None = None) -> Any:
    """A private deep copy of ``value``.

    Values that cannot be copied are kept by reference when ``keep_refs`` (the recorder's
    shadow, which compares them by identity) and become :class:`Opaque` records otherwise
    (history and files). Their type names are added to ``opaque_types``.
    """
    t = type(value)
    if t in ATOMIC:
        return value
    if t is dict:
        return {k: copy_value(v, keep_refs, opaque_types) for k, v in value.items()}
    if t is list:
        return [copy_value(v, keep_refs, opaque_types) for v in value]
    if t is tuple:
        return tuple(copy_value(v, keep_refs, opaque_types) for v in value)
    if t is set:
        return set(value)
    if t is frozenset:
        return value
    if t is bytearray:
        return bytearray(value)
    kind = kind_of(value)
    try:
        if kind is not None:
            return kind.copy(value, lambda item: copy_value(item, keep_refs, opaque_types))
        return copy.deepcopy(value)
    except Exception:
        pass
    if opaque_types is not None:
        opaque_types.add(type_name(value))
    return value if keep_refs else make_opaque(value)


def values_equal(a: Any, b: Any) -> bool:
    """Structural equality that treats NaN as equal to NaN and copes with arrays and frames."""
    if a is b:
        return True
    ta = type(a)
    if ta is not type(b):
        return False
    if ta not in ATOMIC and ta not in _CONTAINERS:
        kind = kind_of(a)
        if kind is not None:  # before ==, which is elementwise (and costly) for arrays
            return kind.equal(a, b, values_equal)
    try:
        result = a == b
        if type(result) is bool:
            if result:
                return True
            if ta is float or ta is complex:
                return bool(a != a and b != b)  # both NaN
            if ta not in (dict, list, tuple):
                return False
    except Exception:
        pass
    if ta is dict:
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    if ta is list or ta is tuple:
        return len(a) == len(b) and all(map(values_equal, a, b))
    return False
