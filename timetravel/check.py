"""``timetravel check``: verify every record of a recording, and every keyframe against the
diffs before it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from .errors import RecordingError
from .recording import Recording
from .values import values_equal

__all__ = ["CheckReport", "check_recording"]


@dataclass
class CheckReport:
    """What :func:`check_recording` found: one line per problem (offset and frame in each)."""

    path: str
    frames: int = 0
    keyframes: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file has no problem at all."""
        return not self.problems


def _first_difference(a: dict[Any, Any], b: dict[Any, Any]) -> str:
    for key in [*a, *(k for k in b if k not in a)]:
        if key not in a or key not in b or not values_equal(a[key], b[key]):
            return repr(key)
    return "?"


def check_recording(path: str | os.PathLike[str]) -> CheckReport:
    """Check a recording: every record's checksum and decoding, every frame's rows applying,
    and every keyframe against replaying the frames from the keyframe before it.

    Raises :class:`~timetravel.RecordingError` when the file can't be read at all (not a
    recording, a damaged header, ...). Problems found inside it are in the report.
    """
    rec = Recording.open(path)
    report = CheckReport(rec.path, len(rec), len(rec.keyframes))
    problems = report.problems
    prefix = f"{rec.path}: "

    def problem(exc: RecordingError) -> None:
        problems.append(str(exc).removeprefix(prefix))

    for gap in rec.gaps:
        problems.append(gap.describe())
    if rec.truncated:
        problems.append(f"the file ends inside a record at byte {rec._index.truncated_at}")
    kf_at = {pos: k for k, pos in enumerate(rec.keyframes)}
    gap_starts = {g.position for g in rec.gaps if g.lost != 0}
    state: dict[Any, Any] | None = None
    since = -1  # the frame whose keyframe the replayed state started from
    for pos in range(len(rec)):
        if pos in gap_starts:
            state = None
        try:
            frame = rec[pos]
        except RecordingError as exc:
            problem(exc)
            state = None
        else:
            if state is not None:
                try:
                    rec._apply(state, frame, pos)
                except RecordingError as exc:
                    problem(exc)
                    state = None
        k = kf_at.get(pos)
        if k is None:
            continue
        try:
            _, kf_state = rec._load_keyframe(k)
        except RecordingError as exc:
            problem(exc)
            state = None
            continue
        if state is not None and not values_equal(state, kf_state):
            problems.append(
                f"the keyframe of frame {pos} (byte {rec._index.keyframes[k][1]}) disagrees "
                f"with replaying frames {since + 1}-{pos} from the keyframe of frame {since}: "
                f"key {_first_difference(state, kf_state)} differs"
            )
        state, since = kf_state, pos
    return report
