"""Every make target of a generated project fails in one line that says what to do: no
Python traceback, no pip log as the last word. Each case is what a user really gets wrong on
day one: a database URL for a driver they never installed, a value in .env that is not a
number, a stylesheet that points at a missing image, a new module with an unused import.

The Makefile and manage.py are the same machinery in every variant, so one variant per strategy
is enough (variants.COVERING), each with a media choice of its own. So is the last test here:
make run, stopped as a closed terminal stops it, leaves no server behind.
"""

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from harness.servers import LOOPBACK, free_port, fresh_copy, project_environment, running
from harness.variants import COVERING, variant_id

# An ERROR: line, as printed or from a process that honcho runs (make run: "12:00:00 web.1 | ").
ERROR_LINE = re.compile(r"^(?:\d\d:\d\d:\d\d \S+\s+\| )?ERROR: ")
FAILING_TEST = "def test_fails():\n    assert sum([1, 1]) == 3  # noqa: PLR2004\n"
BROKEN_STYLESHEET = ".broken { background: url(../img/missing.png); }\n"
# (target, its environment, what the project is given first, what the one line must name)
FAILURES = [
    (
        "migrate",
        {"DATABASE_URL": "postgres://site:hunter2@127.0.0.1:1/site"},
        None,
        "psycopg[binary]",
    ),
    (
        "migrate",
        {"DATABASE_URL": "sqlite:////nonexistent/folder/db.sqlite3"},
        None,
        "DATABASE_URL=sqlite:////nonexistent/folder/db.sqlite3",
    ),
    ("migrate", {"DATABASE_URL": "postgress://site@127.0.0.1/site"}, None, "postgres://"),
    ("migrate", {"DJANGO_HSTS_SECONDS": "a year"}, None, "DJANGO_HSTS_SECONDS='a year'"),
    ("migrate", {"DJANGO_SECRET_KEY": ""}, None, "DJANGO_SECRET_KEY is empty"),
    (
        "collectstatic",
        {},
        ("static/css/broken.css", BROKEN_STYLESHEET),
        "css/broken.css references img/missing.png",
    ),
    ("test", {}, ("pages/unused.py", "import os\n"), "make format"),
    ("test", {}, ("pages/unformatted.py", "X  =  1\n"), "make format"),
    (
        "test",
        # Only the failing file: the line is what is judged, not the project's whole suite.
        {"PYTEST_ADDOPTS": "tests/test_failing.py"},
        ("tests/test_failing.py", FAILING_TEST),
        "tests failed",
    ),
    ("install", {}, None, "PYTHON=python3.0"),
]


@pytest.mark.parametrize("answers", COVERING, ids=map(variant_id, COVERING))
def test_every_make_target_fails_in_one_line_that_says_what_to_do(bake, answers, tmp_path):
    project = fresh_copy(bake(answers), tmp_path / "project")
    venv = project_environment(project)
    wrong = []
    for target, env, given, fix in FAILURES:
        arguments = [f"VENV={venv}", f"PORT={free_port()}"]
        if target == "install":
            arguments = ["PYTHON=python3.0", f"VENV={tmp_path / 'new-venv'}"]
        if target == "collectstatic" and answers["serving_strategy"] == "s3_cdn":
            target = "run"  # collectstatic publishes to a bucket, which make run starts locally
        written = project / given[0] if given else None
        if written:
            written.write_text(given[1])
        result = subprocess.run(
            ["make", "--no-print-directory", target, *arguments],
            cwd=project,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if written:
            written.unlink()
        output = result.stdout + result.stderr
        errors = [line for line in output.splitlines() if ERROR_LINE.match(line)]
        if (
            result.returncode == 0
            or "Traceback" in output
            or len(errors) != 1
            or fix not in errors[0]
        ):
            wrong.append(
                f"make {target} with {env or given}: exit {result.returncode}\n{output[-1500:]}"
            )
        elif "hunter2" in output:
            wrong.append(f"make {target} printed the database password:\n{errors[0]}")
    assert not wrong, f"{variant_id(answers)}:\n\n" + "\n\n".join(wrong)


def processes_in(folder) -> dict[int, str]:
    """The processes whose working directory is `folder` (every server make run started):
    their command lines by pid."""
    found = {}
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if proc.name.isdigit() and (proc / "cwd").resolve() == folder.resolve():
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found[int(proc.name)] = command[:120]
    return found


@pytest.mark.parametrize("answers", COVERING, ids=map(variant_id, COVERING))
def test_closing_the_terminal_stops_every_server_make_run_started(bake, answers, tmp_path):
    """A closed terminal or a dropped SSH session sends SIGHUP to make's process group. honcho
    runs each server in a session of its own, so they must be stopped for it: else the next
    make run finds its port busy."""
    project = fresh_copy(bake(answers), tmp_path / "project")
    venv = project_environment(project)
    port = free_port()
    command = ["make", "run", f"PORT={port}", f"VENV={venv}"]
    with running(
        command, project, dict(os.environ), f"http://{LOOPBACK}:{port}/", "run", 180
    ) as make:
        assert processes_in(project), "no server runs in the project folder"
        # make's child is dev/serve itself (exec), not a shell: `kill` on the first pid that
        # `pgrep -f "dev/serve run"` finds stops every server, as Ctrl-C does.
        children = Path(f"/proc/{make.pid}/task/{make.pid}/children").read_text().split()
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") for pid in children]
        assert [c[1:3] for c in commands] == [[b"dev/serve", b"run"]], commands
        os.killpg(make.pid, signal.SIGHUP)
        make.wait(timeout=30)
        deadline = time.monotonic() + 20
        while processes_in(project) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = processes_in(project)
        for pid in left:  # not into the rest of the suite
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert not left, f"{variant_id(answers)}: still running after SIGHUP: {list(left.values())}"
