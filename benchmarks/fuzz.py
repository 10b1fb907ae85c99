"""A larger fuzz run of the recording reader (issue 9): ``python benchmarks/fuzz.py [N] [SEED]``.

Mutates a small recording N ways (truncations at every offset, bit flips, splices, duplicated
and reordered records, CRC-valid garbling) plus the hand-built hostile files, reads each in a
subprocess limited to 1 GB, and reports outcomes. Exit 1 if anything but RecordingError came
out of the API.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzz_cases import hostile, mutations, run_api
from timetravel import Recorder


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    rng = random.Random(seed)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        state: dict[str, object] = {"v": 0, "l": [1, 2], "t": (1, "a"), "s": {1, 2}}
        with Recorder(state, sink=base / "good.ttrec", redact=None) as rec:
            rec.capture()
            for i in range(12):
                state["v"] = i
                state["l"] = [*state["l"], {"i": i}]  # type: ignore[list-item]
                rec.capture(trigger=f"s{i}")
        good = (base / "good.ttrec").read_bytes()
        cases = list(hostile().values()) + list(mutations(good, rng, count))
        outcomes: Counter[str] = Counter()
        crashes: list[str] = []
        for lo in range(0, len(cases), 500):
            paths = []
            for n, data in enumerate(cases[lo : lo + 500], lo):
                path = base / f"c{n}.ttrec"
                path.write_bytes(data)
                paths.append(path)
            for path, outcome in run_api(paths, timeout=600).items():
                outcomes[
                    "ok" if outcome == "ok" else "error" if outcome == "error" else "crash"
                ] += 1
                if outcome not in ("ok", "error"):
                    crashes.append(f"{path}: {outcome}")
            for path in paths:
                path.unlink()
    print(f"{len(cases):,} cases in {time.perf_counter() - start:.1f}s: {dict(outcomes)}")
    for line in crashes[:20]:
        print(line)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
