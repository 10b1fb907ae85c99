"""Secrets never reach a file, wherever they hide; names that only look alike are kept."""

from __future__ import annotations

import dataclasses
import enum
import os
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from timetravel import DEFAULT_REDACT, REDACTED, Opaque, Recorder, Recording, TimetravelWarning
from timetravel._format import Redactor, word_parts
from timetravel.jsonable import to_json

EXE = os.path.join(os.path.dirname(sys.executable), "timetravel")


class Env(enum.Enum):
    PROD = {"host": "db.example", "password": "S3CR3T-enum-value"}  # noqa: RUF012


class Keys(enum.Enum):
    API_KEY = "S3CR3T-enum-member"


class Conn:
    """Can't be copied (a lock); its repr shows its password."""

    def __init__(self) -> None:
        self.password = "S3CR3T-opaque-repr"
        self.lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Conn(password={self.password!r})"


class Client:
    """Can't be copied; its repr shows a secret without naming it, but an attribute does."""

    def __init__(self) -> None:
        self.access_token = "S3CR3T-opaque-attr"
        self.lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Client({self.access_token!r})"


def _deep(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


@dataclasses.dataclass
class Account:
    user: str
    Password: str
    history: Any  # nested too deeply to encode: the record falls back to a repr


SECRET_KEYS = {
    "passwd": "S3CR3T-passwd",
    "pwd": "S3CR3T-pwd",
    "access_key": "S3CR3T-access-key",
    "private_key": "S3CR3T-private-key",
    "credentials": "S3CR3T-credentials",
    "bearer": "S3CR3T-bearer",
    "apikey": "S3CR3T-apikey",
    "apiKey": "S3CR3T-apiKey",
    "auth": "S3CR3T-auth",
    "session_cookie": "S3CR3T-session-cookie",
    "cookie": "S3CR3T-cookie",
    "githubToken": "S3CR3T-github-token",
    "dbpassword": "S3CR3T-dbpassword",
}
PLAIN_KEYS = {
    "author": "PLAIN-author",
    "tokenizer": "PLAIN-tokenizer",
    "passage": "PLAIN-passage",
    "keyboard": "PLAIN-keyboard",
    "secretary": "PLAIN-secretary",
    "authored_by": "PLAIN-authored-by",
}


def _state() -> dict[str, Any]:
    cells = np.empty(2, dtype=object)
    cells[0] = {"password": "S3CR3T-object-array", "user": "ann"}
    cells[1] = [{"pwd": "S3CR3T-object-array-2"}]
    return {
        "array": cells,
        "frame": pd.DataFrame({"cfg": [{"token": "S3CR3T-df-cell"}, {"theme": "dark"}]}),
        "columns": pd.DataFrame({"user": ["ann", "bob"], "password": ["S3CR3T-col", "x"]}),
        "series": pd.Series(["ann", "S3CR3T-series-label"], index=["user", "password"]),
        "named": pd.Series(["S3CR3T-series-name"], name="api_key"),
        "rows": pd.DataFrame({"v": ["ann", "S3CR3T-row"]}, index=["user", "password"]),
        "env": Env.PROD,
        "keys": [Keys.API_KEY],
        "conn": Conn(),
        "client": Client(),
        "account": Account("ann", "S3CR3T-dataclass-field", _deep(600)),
        "headers": {"Authorization": "Bearer S3CR3T-header", "X-Api-Key": "S3CR3T-x-api-key"},
        "raw": {b"password": b"S3CR3T-bytes-key"},
        "nested": [{"cfg": (SECRET_KEYS, PLAIN_KEYS)}],
    }


def _secrets(value: Any) -> Iterator[str]:
    text = repr(value) if not isinstance(value, str) else value
    start = 0
    while (i := text.find("S3CR3T-", start)) >= 0:
        yield text[i : i + 30]
        start = i + 1


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, Path, dict[str, Any]]:
    state = _state()
    path, saved = tmp_path / "live.ttrec", tmp_path / "saved.ttrec"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TimetravelWarning)  # uncopyable values, as expected
        with Recorder(state, sink=path) as rec:
            rec.capture()
            state["rows"] = pd.DataFrame({"v": ["bob", "S3CR3T-row-2"]}, index=["user", "password"])
            state["conn"] = Conn()
            state["env"] = None
            state["env"] = Env.PROD
            rec.capture()
            rec.save(saved)
    return path, saved, state


def test_no_secret_reaches_the_file_bytes(recorded: tuple[Path, Path, dict[str, Any]]) -> None:
    path, saved, state = recorded
    assert len(list(_secrets(state))) >= 25  # memory keeps them all
    for f in (path, saved):
        raw = f.read_bytes()
        assert b"S3CR3T" not in raw, raw[max(0, raw.find(b"S3CR3T") - 80) :][:200]
        for plain in PLAIN_KEYS.values():
            assert plain.encode() in raw


def test_no_secret_reaches_the_json_export(recorded: tuple[Path, Path, dict[str, Any]]) -> None:
    path, saved, _ = recorded
    for f in (path, saved):
        out = subprocess.run(
            [EXE, "export", str(f), "--format", "json", "--states"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        assert "S3CR3T" not in out
        assert all(plain in out for plain in PLAIN_KEYS.values())
        recording = Recording.open(f)
        dumped = repr(to_json(recording.state_at(-1)))
        assert "S3CR3T" not in dumped and "$redacted" in dumped


def test_what_the_file_shows_in_place_of_secrets(
    recorded: tuple[Path, Path, dict[str, Any]],
) -> None:
    state = Recording.open(recorded[0]).state_at(-1)
    assert state["array"][0] == {"password": REDACTED, "user": "ann"}
    assert state["frame"]["cfg"][0] == {"token": REDACTED}
    assert list(state["columns"]["user"]) == ["ann", "bob"]
    assert list(state["columns"]["password"]) == [REDACTED, REDACTED]
    assert list(state["series"]) == ["ann", REDACTED]
    assert list(state["rows"]["v"]) == ["bob", REDACTED]
    assert state["env"].fields["value"] == {"host": "db.example", "password": REDACTED}
    assert state["keys"][0].fields == {"name": "API_KEY", "value": REDACTED}
    for name in ("conn", "client", "account"):
        assert isinstance(state[name], Opaque) and state[name].repr == "<redacted>", name
    assert state["headers"] == {"Authorization": REDACTED, "X-Api-Key": REDACTED}
    assert state["raw"] == {b"password": REDACTED}
    secret, plain = state["nested"][0]["cfg"]
    assert secret == dict.fromkeys(SECRET_KEYS, REDACTED)
    assert plain == PLAIN_KEYS


@pytest.mark.parametrize(
    "key",
    [
        "password", "Password", "db_password", "dbPassword", "PASSWORD2", "passwords",
        "passwd", "pwd", "new_pwd", "passphrase", "secret", "client_secret", "secrets",
        "token", "access_token", "githubToken", "authtoken", "max_tokens", "api_key",
        "apiKey", "API-Key", "X-Api-Key", "APIKEY", "apikeys", "aws_access_key_id",
        "AccessKey", "private_key", "privateKey", "credentials", "bearer", "bearer_token",
        "Authorization", "auth", "OAuth", "auth_header", "session_cookie", "cookie",
        "Set-Cookie", "cookies", b"password", b"X-Api-Key",
    ],
)  # fmt: skip
def test_default_secret_names(key: str | bytes) -> None:
    assert Redactor(DEFAULT_REDACT).is_secret(key)


@pytest.mark.parametrize(
    "key",
    [
        "author", "authored_by", "tokenizer", "tokenize", "passage", "keyboard",
        "secretary", "monkey", "hotkey", "pass", "compass", "user", "cwd", 3, None, ("a",),
        b"author",
    ],
)  # fmt: skip
def test_names_that_only_look_like_secrets(key: Any) -> None:
    assert not Redactor(DEFAULT_REDACT).is_secret(key)


def test_word_parts() -> None:
    assert word_parts("X-Api-Key") == ["x", "api", "key"]
    assert word_parts("APIKey") == ["api", "key"]
    assert word_parts("dbPassword2") == ["db", "password", "2"]
    assert word_parts("session_cookie") == ["session", "cookie"]


def test_custom_names_and_predicates_still_work() -> None:
    names = Redactor(["ssn", "card-number"])
    assert names.is_secret("user_ssn") and names.is_secret("cardNumber")
    assert not names.is_secret("password") and not names.is_secret("lesson")
    assert names.describe() == ["ssn", "card_number"]
    pred = Redactor(lambda key: key == "pin")
    assert pred.is_secret("pin") and not pred.is_secret("password")
    assert pred.describe() == "custom"
    assert not Redactor(None).active
