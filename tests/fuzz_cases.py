"""Hostile recordings for tests/test_fuzz.py and benchmarks/fuzz.py (issue 9)."""

from __future__ import annotations

import json
import random
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgpack

from timetravel._format import KIND_FRAME, KIND_HEADER, KIND_KEYFRAME, PREAMBLE, RECORD_HEAD


def record(kind: bytes, payload: bytes) -> bytes:
    return RECORD_HEAD.pack(kind, len(payload), zlib.crc32(payload)) + payload


def ext(code: int, value: Any) -> msgpack.ExtType:
    return msgpack.ExtType(code, msgpack.packb(value, use_bin_type=True))


class Raw:
    """Bytes spliced into a record as they are: values no packer would build (too deep)."""

    PLACEHOLDER = "\x00raw msgpack goes here\x00"

    def __init__(self, data: bytes) -> None:
        self.data = data


def _pack_frame(value: list[Any]) -> bytes:
    raws: list[bytes] = []

    def swap(v: Any) -> Any:
        if isinstance(v, Raw):
            raws.append(v.data)
            return Raw.PLACEHOLDER
        if isinstance(v, list):
            return [swap(x) for x in v]
        return v

    packed: bytes = msgpack.packb(swap(value), use_bin_type=True)
    for data in raws:
        packed = packed.replace(msgpack.packb(Raw.PLACEHOLDER), data, 1)
    return packed


def build(frames: list[list[Any]], keyframes: dict[int, Any]) -> bytes:
    """A file from raw frame rows and keyframe states (msgpack-ready values)."""
    out = PREAMBLE + record(KIND_HEADER, msgpack.packb({"format": 1}))
    for i, rows in enumerate(frames):
        out += record(KIND_FRAME, _pack_frame([i, 0.0, None, None, None, None, rows]))
        if i in keyframes:
            out += record(KIND_KEYFRAME, msgpack.packb([i, keyframes[i]], use_bin_type=True))
    return out


def with_value(value: Any) -> bytes:
    """A two-frame file whose keyframe and second frame hold ``value``."""
    return build([[[["v"], 2, None, 1]], [[["v"], 0, 1, value]]], {0: {"v": 1}})


def nested_ext(code: int, depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = ext(code, [value] if code == 1 else ["T", {"f": value}])
    return value


def nested_list(depth: int) -> Raw:
    """``[[[...1...]]]``, ``depth`` arrays deep, as msgpack bytes (one-item fixarrays)."""
    return Raw(b"\x91" * depth + b"\x01")


def hostile() -> dict[str, bytes]:
    """One hand-built file per attack of issue 9."""
    bad_text = ext(11, ["<U1", [1], b"\xff\xff\xff\xff"])
    huge_empty = ext(11, ["<f8", [10**9, 0], b""])
    range_frame = ext(12, [["range", 0, 0, 1, None], ["range", 0, 10**15, 1, None], []])
    return {
        "nested_tuples": with_value(nested_ext(1, 200)),
        "nested_objects": with_value(nested_ext(14, 200)),
        "nested_arrays": with_value(nested_list(800)),
        "huge_index": build(
            [[[["l"], 2, None, []]], [[["l", ext(17, str(10**30))], 4, None, 1]]], {0: {"l": []}}
        ),
        "bad_unicode": with_value(bad_text),
        "huge_empty_array": with_value(huge_empty),
        "huge_range_index": with_value(range_frame),
    }


def mutations(good: bytes, rng: random.Random, count: int) -> Iterator[bytes]:
    """Truncations at every offset, bit flips, splices, duplicated and reordered records, and
    CRC-valid garbling of payloads."""
    for cut in range(len(good)):
        yield good[:cut]
    spans, pos = [], len(PREAMBLE)
    while pos + RECORD_HEAD.size <= len(good):
        _, length, _ = RECORD_HEAD.unpack_from(good, pos)
        spans.append((pos, pos + RECORD_HEAD.size + length))
        pos += RECORD_HEAD.size + length
    for n in range(count):
        data = bytearray(good)
        mode = n % 5
        if mode == 0:
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif mode == 1:  # splice: a chunk copied elsewhere
            a = rng.randrange(len(data))
            chunk = data[a : a + rng.randint(1, 64)]
            b = rng.randrange(len(data))
            data[b:b] = chunk
        elif mode == 2:  # duplicate a record
            a, b = rng.choice(spans[1:])
            at = rng.choice(spans)[1]
            data[at:at] = data[a:b]
        elif mode == 3:  # swap two records
            (a, b), (c, d) = sorted(rng.sample(spans[1:], 2))
            data = data[:a] + data[c:d] + data[b:c] + data[a:b] + data[d:]
        else:  # garble a payload, fix its CRC
            a, b = rng.choice(spans)
            body = a + RECORD_HEAD.size
            for _ in range(rng.randint(1, 6)):
                if b > body:
                    data[body + rng.randrange(b - body)] = rng.randrange(256)
            struct.pack_into("<I", data, a + 5, zlib.crc32(bytes(data[body:b])))
        yield bytes(data)


WORKER = r"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from timetravel import Recording, RecordingError
from timetravel.jsonable import frame_to_json, to_json
outcomes = {}
for path in sys.argv[1:]:
    try:
        rec = Recording.open(path)
        _ = (rec.header, rec.notice, rec.gaps)
        for i in range(len(rec)):
            json.dumps(frame_to_json(rec[i]))
            json.dumps(to_json(rec.state_at(i)))
        if len(rec):
            rec.history(("v",))
        outcomes[path] = "ok"
    except RecordingError:
        outcomes[path] = "error"
    except BaseException as exc:
        outcomes[path] = f"CRASH {type(exc).__name__}: {str(exc)[:200]}"
print(json.dumps(outcomes))
"""


def run_api(paths: list[Path], timeout: float = 60) -> dict[str, str]:
    """Each file through the reading API, in one limited subprocess; outcome per path."""
    done = subprocess.run(
        [sys.executable, "-c", WORKER, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        return {"worker": f"CRASH exit {done.returncode}: {done.stderr[-500:]}"}
    result: dict[str, str] = json.loads(done.stdout)
    return result


def run_cli(command: str, path: Path, timeout: float = 30) -> str | None:
    """A problem with how ``timetravel command path`` ended, or None if it ended well."""
    cli = Path(sys.executable).with_name("timetravel")
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))"
    args = [sys.executable, "-c", f"{limit}\nfrom timetravel.cli import main\nmain()"]
    if not cli.exists():
        return "no timetravel command"
    argv = [command, str(path)] + (["-o", "/dev/null", "--states"] if command == "export" else [])
    done = subprocess.run([*args, *argv], capture_output=True, text=True, timeout=timeout)
    if done.returncode == 0 or (command == "check" and done.returncode == 1):
        return None
    if done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr:
        return None
    return f"{command} exit {done.returncode}: {done.stderr[-300:]}"
