"""management/commands/collectstatic.py: Django's command, whose bookkeeping scans no list."""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

from static_kit.storage.atomic import PARTIAL
from static_kit.tests.settings import HERE


class Counted(str):
    """A name that counts how often it is compared."""

    comparisons = 0

    def __eq__(self, other):
        Counted.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_manage_py_runs_this_collectstatic_and_its_lookups_compare_no_list():
    """Django's `name in self.unmodified_files` compared each name with every one before it:
    quadratic, 2.5 of a 7 s re-run at 20,000 files."""
    assert get_commands()["collectstatic"] == "static_kit"
    command = load_command_class("static_kit", "collectstatic")
    for names in (command.copied_files, command.symlinked_files, command.unmodified_files):
        for number in range(1000):
            names.append(Counted(f"css/f{number}.css"))
        Counted.comparisons = 0
        assert "css/new.css" not in names and "css/f999.css" in names
        assert Counted.comparisons <= 2, f"{Counted.comparisons} comparisons for two lookups"
        assert len(names) == 1000 and names[0] == "css/f0.css"  # still the list it reports


# A collectstatic run in a process of its own, given STATIC_ROOT and the sources, that sends
# itself `signal` once post-processing has begun, with replacements of the first run's files
# staged in STATIC_ROOT (the stylesheet changed).
STOPPED_RUN = """
import os, signal, sys
import django
from django.conf import settings

root, sources, number = sys.argv[1], sys.argv[2], int(sys.argv[3])
django.setup()
settings.STATIC_ROOT, settings.STATICFILES_DIRS = root, [sources]
settings.STATIC_MANIFESTS_ROOT = root + "-manifests"
from django.contrib.staticfiles.storage import HashedFilesMixin
from django.core.management import call_command

call_command("collectstatic", "--noinput", verbosity=0)
site = os.path.join(sources, "css", "site.css")
with open(site, "a") as stylesheet:
    stylesheet.write("/* the next release */")
os.utime(site, (os.path.getmtime(site) + 10,) * 2)
real = HashedFilesMixin.file_hash
def stopping(self, name, content=None):
    os.kill(os.getpid(), number)
    return real(self, name, content)
HashedFilesMixin.file_hash = stopping
call_command("collectstatic", "--noinput", verbosity=0)
"""


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP])
def test_a_run_stopped_by_a_deploy_takes_its_temporary_files_back(tmp_path, stop):
    """A cancelled CI job or `systemctl stop` sends SIGTERM, a closed terminal SIGHUP: the
    run ends as with Ctrl-C, and leaves nothing of its own in STATIC_ROOT."""
    sources = tmp_path / "src"
    shutil.copytree(HERE / "static", sources)
    root = tmp_path / "staticfiles"
    library = Path(__file__).resolve().parents[2]  # where `static_kit` is imported from
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "static_kit.tests.settings"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no bytecode left in the template
    run = [sys.executable, "-c", STOPPED_RUN, str(root), str(sources), str(int(stop))]
    # This interpreter, and the script above:
    result = subprocess.run(run, cwd=library, env=env, capture_output=True, text=True)  # noqa: S603, PLW1510
    assert result.returncode != 0 and "KeyboardInterrupt" in result.stderr, result.stderr
    leftovers = [path for path in root.rglob("*") if path.name.endswith(PARTIAL)]
    assert leftovers == [], leftovers
    assert "the next release" not in (root / "css" / "site.css").read_text()


def test_a_hangup_ignored_on_purpose_stays_ignored_and_handlers_come_back():
    """`nohup manage.py collectstatic &` ignores SIGHUP: closing the terminal must not stop it."""
    from static_kit.management.commands.collectstatic import stopped_as_by_ctrl_c

    before = signal.signal(signal.SIGHUP, signal.SIG_IGN), signal.getsignal(signal.SIGTERM)
    try:
        with stopped_as_by_ctrl_c("SIGTERM", "SIGHUP", "SIGNOTONTHISSYSTEM"):
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is not before[1]
        assert signal.getsignal(signal.SIGTERM) is before[1]
    finally:
        signal.signal(signal.SIGHUP, before[0])
