"""The numpy kind: NaN-aware equality, element diffs and their inverse, the file payload."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Hashable, Iterable
from typing import Any

import msgpack
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from timetravel._codec import DecodeError, decode, encode
from timetravel.kinds.numpy import (
    EXT_NDARRAY,
    MAX_CHANGED,
    MAX_RUNS,
    MIN_DIFF_SIZE,
    Elements,
    NumpyKind,
)
from timetravel.values import values_equal

KIND = NumpyKind()


class Ctx:
    """An encode context that scrubs nothing."""

    redacting = False

    def scrub(self, value: Any) -> Any:
        return value

    def is_secret(self, name: Hashable) -> bool:
        return False

    def is_secret_label(self, label: Any) -> bool:
        return False

    def opaque_repr(self, text: str, attrs: Iterable[str] = ()) -> str:
        return text


STRUCT = np.dtype([("a", "<f8"), ("b", "<i2"), ("c", "<U3")])
DTYPES: list[np.dtype[Any]] = [
    np.dtype("float64"),
    np.dtype(">f4"),
    np.dtype("float16"),
    np.dtype("int64"),
    np.dtype("uint8"),
    np.dtype("bool"),
    np.dtype("complex128"),
    np.dtype("datetime64[s]"),
    np.dtype("timedelta64[ms]"),
    np.dtype("<U4"),
    np.dtype("S3"),
    STRUCT,
]
small_objects = st.one_of(
    st.none(),
    st.integers(-5, 5),
    st.floats(allow_nan=True),
    st.text(max_size=3),
    st.lists(st.integers(0, 3), max_size=2),
)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


def elements_of(dtype: np.dtype[Any]) -> st.SearchStrategy[Any]:
    if dtype.kind == "f":  # NaNs with other payloads and -0.0 too
        return st.one_of(
            hnp.from_dtype(dtype),
            st.sampled_from([math.nan, -math.nan, 0.0, -0.0]),
        )
    if dtype.kind == "c":
        return st.one_of(
            hnp.from_dtype(dtype),
            st.sampled_from([complex(math.nan, 1), complex(1, math.nan), -0.0 + 0j]),
        )
    return hnp.from_dtype(dtype)


@st.composite
def array_pairs(draw: st.DrawFn, min_size: int = 0) -> tuple[Any, Any]:
    """An array and an edited copy (sometimes unchanged)."""
    if draw(st.integers(0, 9)) == 0:
        shape = draw(shapes)
        old = np.empty(shape, dtype=object)
        for i in range(old.size):
            old.reshape(-1)[i] = draw(small_objects)
        new = KIND.copy(old, lambda v: list(v) if isinstance(v, list) else v)
        edit: st.SearchStrategy[Any] = small_objects
    else:
        dtype = draw(st.sampled_from(DTYPES))
        edit = elements_of(dtype)
        if min_size:
            seed = draw(hnp.arrays(dtype, st.integers(1, 8), elements=edit))
            extra = draw(st.integers(0, 3))
            shape = draw(st.sampled_from([(min_size + extra,), (4, (min_size + 3) // 4 + extra)]))
            old = np.resize(seed, shape)
        else:
            old = draw(hnp.arrays(dtype, draw(shapes), elements=edit))
        new = old.copy()
    if new.size:
        flat = new.reshape(-1)
        for _ in range(draw(st.integers(1 if min_size else 0, 4))):
            pos = draw(st.integers(0, new.size - 1))
            if draw(st.booleans()):  # a run
                stop = draw(st.integers(pos, min(new.size, pos + 40)))
                value = draw(edit)
                for i in range(pos, stop):  # one by one: an object item may be a list
                    flat[i] = value
            else:
                flat[pos] = draw(edit)
    return old, new


def same_item(x: Any, y: Any, dtype: np.dtype[Any]) -> bool:
    """Brute-force item equality: NaN (NaT) equals NaN; a structured item also by bytes."""
    if dtype.hasobject:
        return values_equal(x, y)
    if dtype.kind in "fc" and np.isnan(x) and np.isnan(y):
        return True
    if dtype.kind in "mM" and np.isnat(x) and np.isnat(y):
        return True
    if dtype.names and x.tobytes() == y.tobytes():
        return True
    return bool(x == y)


def brute_equal(a: Any, b: Any) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    return all(same_item(x, y, a.dtype) for x, y in zip(a.flat, b.flat, strict=True))


def equal(a: Any, b: Any) -> bool:
    return KIND.equal(a, b, values_equal)


@given(array_pairs())
def test_equal_agrees_with_brute_force(pair: tuple[Any, Any]) -> None:
    old, new = pair
    assert equal(old, new) == brute_equal(old, new)
    assert equal(new, old) == brute_equal(old, new)
    assert equal(old, KIND.copy(old, lambda v: v))


def test_equal_nan_and_shape_and_dtype() -> None:
    a = np.array([1.0, math.nan, -0.0])
    assert equal(a, np.array([1.0, -math.nan, 0.0]))
    assert not equal(a, np.array([1.0, 2.0, 0.0]))
    assert not equal(a, a.astype("f4"))
    assert not equal(a, a.reshape(3, 1))
    assert equal(np.array(["NaT"], "M8[s]"), np.array(["NaT"], "M8[s]"))
    big = np.zeros(3_000_000)
    other = big.copy()
    other[-1] = math.nan
    assert not equal(big, other) and equal(big, big.copy())
    assert equal(big[::2], big[::2].copy())  # non-contiguous


def check_diff(old: Any, new: Any, brute: bool = True) -> None:
    """The diff's new items put into old make new; its old items put back make old."""
    assert not equal(old, new)  # as the engine does, and sets the hint diff resumes from
    located = KIND.diff(old, new)
    again = KIND.diff(old, new)  # without the hint
    if located is None or again is None:
        assert located is again
        return
    assert again[0][0] == located[0][0]
    [(loc, old_items, new_items)] = located
    assert isinstance(loc, Elements)
    assert all(type(v) is int for v in loc.args())
    assert Elements.from_args(loc.args()) == loc
    assert loc.count <= max(MAX_CHANGED, old.size // 8) and len(loc.runs) <= MAX_RUNS
    assert equal(old_items, loc.get(old)) and equal(new_items, loc.get(new))
    forward = loc.put(KIND.copy(old, lambda v: v), new_items.copy(), old_items)
    assert equal(forward, new) and (not brute or brute_equal(forward, new))
    back = loc.put(KIND.copy(new, lambda v: v), old_items.copy(), new_items)
    assert equal(back, old)
    for items in (old_items, new_items):  # items go through the codec as arrays
        assert equal(decode(encode(items)), items)


@settings(max_examples=60)
@given(array_pairs(min_size=MIN_DIFF_SIZE))
def test_diff_put_and_inverse(pair: tuple[Any, Any]) -> None:
    old, new = pair
    if equal(old, new):
        return
    if old.dtype.hasobject:
        assert KIND.diff(old, new) is None
        return
    located = KIND.diff(old, new)
    changed = sum(not same_item(x, y, old.dtype) for x, y in zip(old.flat, new.flat, strict=True))
    if changed <= old.size // 8:
        assert located is not None
        loc = located[0][0]
        assert isinstance(loc, Elements) and loc.count == changed
    check_diff(old, new)


def test_diff_examples() -> None:
    old = np.arange(10_000, dtype=float).reshape(100, 100)
    new = old.copy()
    new[3, 5] = -1
    new[50, :] = math.nan
    new[99, 99] = 7
    [(loc, was, now)] = KIND.diff(old, new) or []
    assert loc.args() == [305, 306, 5000, 5100, 9999, 10000]
    assert was.tolist()[:2] == [305.0, 5000.0] and now[0] == -1
    assert loc.describe().startswith("elements [305, 5000:5100, 9999")
    check_diff(old, new)
    check_diff(old, np.asfortranarray(new))  # a non-contiguous new value
    # recorded whole: small, too many changes, other shape or dtype
    assert KIND.diff(old[:10], new[:10]) is None
    assert KIND.diff(old, old + 1) is None
    assert KIND.diff(old, new.astype("f4")) is None
    base = np.arange(100_000.0)
    scattered = base.copy()
    scattered[::50] = -5  # 2,000 one-item runs, 2% changed
    assert len(KIND.diff(base, scattered) or []) == 1
    spread = np.zeros(200_000)
    many = spread.copy()
    many[::20] = 1  # 10,000 runs, only 5% changed
    assert KIND.diff(spread, many) is None
    check_diff(old, new)


def test_diff_across_chunks() -> None:
    old = np.zeros(1_200_000, dtype="f4")  # about two chunks of 2 MiB
    new = old.copy()
    new[524_000:525_000] = 1  # a run across the first chunk boundary
    new[-3:] = 2
    [(loc, _, _)] = KIND.diff(old, new) or []
    assert isinstance(loc, Elements)
    assert loc.runs == [(524_000, 525_000), (1_199_997, 1_200_000)]
    check_diff(old, new, brute=False)


def test_put_rejects_what_does_not_fit() -> None:
    arr = np.zeros(10)
    loc = Elements((2, 4))
    assert loc.put(arr, np.array([1.0, 2.0]), None) is arr
    assert arr.tolist()[1:5] == [0.0, 1.0, 2.0, 0.0]
    with pytest.raises(ValueError):
        loc.put(arr, np.array([1.0]), None)
    with pytest.raises(ValueError):
        loc.put(arr, np.array([1, 2]), None)
    with pytest.raises(ValueError):
        loc.put(arr, [1.0, 2.0], None)
    with pytest.raises(ValueError):
        Elements((8, 12)).put(arr, np.zeros(4), None)
    with pytest.raises(ValueError):
        Elements((8, 12)).get(arr)
    frozen = np.zeros(10)
    frozen.flags.writeable = False
    out = loc.put(frozen, np.array([1.0, 2.0]), None)
    assert out is not frozen and out[2] == 1.0 and frozen[2] == 0.0


@pytest.mark.parametrize(
    "args",
    [
        [],
        [1],
        [3, 2],
        [1, 1],
        [-1, 2],
        [0, 2, 2, 4],
        [0, 2, 1, 4],
        [0, 2.0],
        [True, 2],
        ["0", "2"],
        [0, 2**70],
        [0, MAX_CHANGED + 1],
        [v for i in range(MAX_RUNS + 1) for v in (2 * i, 2 * i + 1)],
        (0, 2),
        None,
    ],
)
def test_hostile_locator_args(args: Any) -> None:
    with pytest.raises(ValueError):
        Elements.from_args(args)


def test_locator_args_round_trip() -> None:
    loc = Elements.from_args([0, 3, 10, 11])
    assert loc.runs == [(0, 3), (10, 11)] and loc.count == 4
    assert Elements.from_args(msgpack.unpackb(msgpack.packb(loc.args()))) == loc
    assert hash(loc) == hash(Elements((0, 3, 10, 11)))


def payload_round_trip(arr: Any) -> Any:
    code, payload = KIND.encode(arr, Ctx()) or (0, None)
    assert code == EXT_NDARRAY
    data = msgpack.unpackb(msgpack.packb(payload, use_bin_type=True), raw=False)
    assert KIND.nesting(code, data) == arr.ndim
    return KIND.decode(code, data)


@given(array_pairs())
def test_encode_decode_round_trip(pair: tuple[Any, Any]) -> None:
    for arr in pair:
        for back in (payload_round_trip(arr), decode(encode(arr))):
            assert back.shape == arr.shape and back.dtype == arr.dtype
            assert equal(back, arr)
            if not arr.dtype.hasobject:
                assert back.tobytes() == arr.tobytes()


def test_payload_format() -> None:
    arr = np.array([[1, 2]], dtype="<i2")
    assert KIND.encode(arr, Ctx()) == (EXT_NDARRAY, ["<i2", [1, 2], arr.tobytes()])
    objs = np.array([None, "x"], dtype=object)
    assert KIND.encode(objs, Ctx()) == (EXT_NDARRAY, ["|O", [2], [None, "x"]])
    lists = payload_round_trip(np.array([[1, 2], [3, 4], None], dtype=object))
    assert lists.tolist() == [[1, 2], [3, 4], None]


@pytest.mark.parametrize(
    "payload",
    [
        ["|O", [2], b"\x00" * 16],  # raw bytes as object pointers
        [[["a", "|O"]], [1], b"\x00" * 8],
        ["<f8", [2], b"\x00" * 8],  # size mismatch
        ["<f8", [-1], b""],
        ["<f8", [1.0], b"\x00" * 8],
        ["<f8", [1] * 33, b"\x00" * 8],
        ["<f8", "2", b"\x00" * 16],
        ["<f8", [0, 10**6, 10], b""],  # an empty array spanning too much
        ["<U1", [1], b"\xff\xff\xff\x00"],  # invalid code point
        ["<f8", [1], [1.0]],
        [5, [1], b"\x00" * 8],
        ["not a dtype", [1], b"\x00" * 8],
        ["|O", [2], [1]],
        ["<f8", [1]],
        "x",
    ],
)
def test_hostile_payloads(payload: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        KIND.decode(EXT_NDARRAY, payload)


def test_decode_through_codec_rejects_pointers() -> None:
    data = msgpack.packb(
        msgpack.ExtType(EXT_NDARRAY, msgpack.packb(["|O", [1], b"\x00" * 8])),
        use_bin_type=True,
    )
    with pytest.raises(DecodeError):
        decode(data)


def test_copy_object_items_and_size_and_json() -> None:
    inner = [1, 2]
    arr = np.array([inner, None], dtype=object)
    copied = KIND.copy(arr, lambda v: list(v) if isinstance(v, list) else v)
    inner.append(3)
    assert copied[0] == [1, 2]
    plain = np.arange(4.0)
    c = KIND.copy(plain, lambda v: v)
    plain[0] = 9
    assert c[0] == 0
    assert KIND.size(plain) == plain.nbytes + 112
    assert KIND.to_json(np.array([[1, 2]]), lambda v: v) == {
        "$ndarray": "int64",
        "shape": [1, 2],
        "data": [[1, 2]],
    }
    assert KIND.claims(plain) and not KIND.claims([1.0])


def test_numpy_not_imported_by_claims() -> None:
    code = (
        "import sys\n"
        "from timetravel.kinds.numpy import NumpyKind\n"
        "assert not NumpyKind().claims([1, 2])\n"
        "assert 'numpy' not in sys.modules, 'numpy imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
