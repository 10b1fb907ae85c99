"""What a user gets from ``pip install timetravel-streamlit``, checked (``make package-check``).

1. Builds the sdist, then the wheel from the sdist (``python -m build``), in a temporary folder.
2. Checks their contents: the wheel installs only ``timetravel`` and ``timetravel_tui`` (no
   generic top-level name), with the TUI's stylesheet and both ``py.typed``; its metadata has
   the SPDX licence, the extras, and a core that needs only msgpack and click; the sdist holds
   every tracked file of tests/, docs/, examples/ and benchmarks/, the LICENSE and CHANGELOG.
3. Installs the wheel into a fresh venv without any extra, and checks: ``timetravel --help``;
   ``timetravel info`` on a recording made there (and from standard input); ``import
   timetravel.streamlit`` fails with the one-line message naming ``[streamlit]``;
   ``timetravel tui`` prints the one-line message naming ``[tui]`` and exits 2.
4. Adds ``[streamlit,tui]``: ``import timetravel.streamlit`` and ``timetravel tui --help`` work.
5. Unpacks the sdist and runs a subset of its tests against the installed wheel (the source
   folders are left out, so the tests import what was installed): the recording format and
   codec, the command line, value kinds (numpy and pandas come with Streamlit), the layout and
   packaging rules, and the Streamlit layer under AppTest. The rest of the suite needs a
   browser (Chromium, Playwright) or a PostgreSQL server, or is long (property tests of the
   engine); ``make unit`` runs it all in the checkout.

pip's cache is reused. Exits 1 with a ``package-check: ...`` line on the first failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIST = "timetravel-streamlit"
WHEEL_TOP_LEVEL = {"timetravel", "timetravel_tui"}
TEST_TOOLS = ["pytest>=8", "pytest-timeout>=2", "pytest-asyncio", "hypothesis>=6"]
TESTS = [
    "tests/test_codec.py",
    "tests/test_recording.py",
    "tests/test_cli.py",
    "tests/kinds",
    "tests/test_layout.py",
    "tests/packaging",
    "tests/streamlit/test_apptest.py",
]
START = time.monotonic()


class CheckFailed(Exception):
    pass


def step(message: str) -> None:
    print(f"package-check [{time.monotonic() - START:5.1f}s] {message}", flush=True)


def run(argv: list[str], *, ok: bool = True, **kw: object) -> subprocess.CompletedProcess[str]:
    """Run ``argv``; unless ``ok`` is False, a non-zero exit fails the check."""
    out = subprocess.run(argv, capture_output=True, text=True, **kw)  # type: ignore[call-overload]
    if ok and out.returncode != 0:
        raise CheckFailed(
            f"`{' '.join(map(str, argv))}` exited {out.returncode}\n{out.stdout[-3000:]}"
            f"{out.stderr[-3000:]}"
        )
    return out  # type: ignore[no-any-return]


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def build(tmp: Path) -> tuple[Path, Path]:
    step("building the sdist, then the wheel from it (python -m build)")
    outdir = tmp / "dist"
    run([sys.executable, "-m", "build", "--outdir", str(outdir), str(ROOT)])
    (sdist,) = outdir.glob("*.tar.gz")
    (wheel,) = outdir.glob("*.whl")
    step(f"built {sdist.name} ({sdist.stat().st_size:,} bytes), {wheel.name}")
    return sdist, wheel


def check_wheel(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        (meta_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = Parser().parsestr(zf.read(meta_name).decode())
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    check(top == WHEEL_TOP_LEVEL, f"the wheel installs top-level {sorted(top)}")
    for name in ("timetravel/py.typed", "timetravel_tui/py.typed", "timetravel_tui/app.tcss"):
        check(name in names, f"the wheel lacks {name}")
    check(meta["Name"] == DIST, f"the wheel's name is {meta['Name']}")
    check(meta["License-Expression"] == "MIT", "the wheel has no License-Expression: MIT")
    check(any(n.endswith("licenses/LICENSE") for n in names), "the wheel has no LICENSE")
    extras = set(meta.get_all("Provides-Extra") or [])
    wanted = {"streamlit", "tui", "deepdiff", "sql", "postgres", "all", "dev"}
    check(wanted <= extras, f"the wheel's extras are {sorted(extras)}")
    core = sorted(r for r in meta.get_all("Requires-Dist") or [] if "extra ==" not in r)
    check(
        [r.split(">")[0] for r in core] == ["click", "msgpack"], f"the core requires {core}"
    )
    check(bool(meta.get_all("Classifier")), "the wheel has no classifiers")
    check(bool(meta.get_all("Project-URL")), "the wheel has no project URLs")


def check_sdist(sdist: Path) -> None:
    with tarfile.open(sdist) as tf:
        prefix = tf.getnames()[0].split("/")[0]
        names = {n.removeprefix(prefix + "/") for n in tf.getnames()}
    for name in ("LICENSE", "CHANGELOG.md", "README.md", "MANIFEST.in", "Makefile"):
        check(name in names, f"the sdist lacks {name}")
    tracked = run(
        ["git", "ls-files", "tests", "docs", "examples", "benchmarks"], cwd=ROOT, ok=False
    )
    if tracked.returncode == 0:  # not a git checkout (an unpacked sdist): skip this part
        missing = sorted(set(tracked.stdout.split()) - names)
        check(not missing, f"the sdist lacks {len(missing)} tracked files: {missing[:10]}")
    check("tests/conftest.py" in names and "tests/tui/conftest.py" in names, "no conftest")
    check(not any("__pycache__" in n for n in names), "the sdist holds __pycache__")


def make_venv(tmp: Path) -> tuple[Path, Path]:
    step("creating a fresh venv and installing the wheel without extras")
    venv = tmp / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    run([base, "-m", "venv", str(venv)])
    return venv / "bin" / "python", venv / "bin"


def pip(py: Path, *args: str) -> None:
    run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args])


def check_core_install(py: Path, bin_: Path, tmp: Path) -> None:
    tt = str(bin_ / "timetravel")
    out = run([tt, "--help"])
    check("info" in out.stdout and "tui" in out.stdout, "`timetravel --help` lists no info/tui")
    rec = tmp / "session.ttrec"
    run(
        [
            str(py),
            "-c",
            "import sys\n"
            "from timetravel import Recorder\n"
            "state = {'todos': [], 'filter': 'all'}\n"
            "with Recorder(state, sink=sys.argv[1]) as rec:\n"
            "    rec.capture()\n"
            "    state['todos'].append('milk')\n"
            "    rec.capture(trigger='add')\n"
            "    rec.undo()\n",
            str(rec),
        ]
    )
    out = run([tt, "info", str(rec)])
    check("frames:     3 (1 undo)" in out.stdout, f"`timetravel info`:\n{out.stdout}")
    with rec.open("rb") as stdin:
        out = run([tt, "info", "-"], stdin=stdin)
    check("frames:     3 (1 undo)" in out.stdout, f"`timetravel info -`:\n{out.stdout}")
    step("core only: timetravel --help, info FILE, info - work")

    out = run([str(py), "-c", "import timetravel.streamlit"], ok=False)
    last = out.stderr.strip().splitlines()[-1:] or [""]
    want = (
        "timetravel.streamlit needs Streamlit: pip install 'timetravel-streamlit[streamlit]'"
    )
    check(out.returncode != 0 and last[0].endswith(want), f"without Streamlit: {out.stderr}")
    out = run([tt, "tui", str(rec)], ok=False)
    want = "timetravel: the terminal UI needs Textual: pip install 'timetravel-streamlit[tui]'\n"
    check(
        out.returncode == 2 and out.stderr == want and not out.stdout,
        f"`timetravel tui` without Textual exited {out.returncode}: {out.stderr}",
    )
    out = run([str(py), "-c", "import tui"], ok=False)
    check(out.returncode != 0, "a top-level `tui` package is importable")
    step("core only: the one-line messages for [streamlit] and [tui]; no `tui` package")


def check_extras(py: Path, bin_: Path, wheel: Path) -> None:
    step("installing [streamlit,tui] and the test tools")
    pip(py, f"{wheel}[streamlit,tui]", *TEST_TOOLS)
    run([str(py), "-c", "import timetravel.streamlit, timetravel_tui.app"])
    out = run([str(bin_ / "timetravel"), "tui", "--help"])
    check("--follow" in out.stdout, f"`timetravel tui --help`:\n{out.stdout}")
    step("[streamlit,tui]: import timetravel.streamlit, timetravel tui --help work")


def run_sdist_tests(py: Path, sdist: Path, tmp: Path) -> None:
    src = tmp / "src"
    with tarfile.open(sdist) as tf:
        if sys.version_info >= (3, 12):
            tf.extractall(src, filter="data")
        else:
            tf.extractall(src)  # our own sdist
    (root,) = src.iterdir()
    for package in ("timetravel", "tui"):  # so that the tests import the installed wheel
        shutil.rmtree(root / package)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    code = "import timetravel, timetravel_tui; print(timetravel.__file__, timetravel_tui.__file__)"
    out = run([str(py), "-c", code], cwd=root, env=env)
    check(out.stdout.count(str(tmp / "venv")) == 2, f"the tests would import {out.stdout}")
    step(f"running the sdist's tests against the wheel: {' '.join(TESTS)}")
    out = run(
        [str(py), "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *TESTS],
        cwd=root,
        env=env,
        ok=False,
    )
    tail = out.stdout.strip().splitlines()[-1:] or [""]
    if out.returncode != 0:
        raise CheckFailed(f"the sdist's tests failed:\n{out.stdout[-5000:]}{out.stderr[-2000:]}")
    step(f"the sdist's tests: {tail[0]}")


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="timetravel-package-check-"))
    try:
        sdist, wheel = build(tmp)
        check_wheel(wheel)
        check_sdist(sdist)
        step("wheel and sdist contents, metadata and licence are as promised")
        py, bin_ = make_venv(tmp)
        pip(py, str(wheel))
        check_core_install(py, bin_, tmp)
        check_extras(py, bin_, wheel)
        run_sdist_tests(py, sdist, tmp)
    except CheckFailed as exc:
        print(f"package-check: FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    step("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
