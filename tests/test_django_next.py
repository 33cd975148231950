"""The current Django too: a variant's own `make test` passes with Django 6.1 on Python 3.12, as
a user gets there, by changing the pin in requirements.txt. The default stays 5.2 LTS."""

import glob
import os
import re
import shutil
import subprocess

import pytest

from harness.servers import CACHE_DIR, fresh_copy, run
from harness.variants import COVERING, VARIANTS, variant_id

NEXT_DJANGO = "6.1.3"
PYTHON = "3.12"


def python_312() -> str:
    """An interpreter that really is 3.12: PATH's python3.12 (a pyenv shim may only pretend),
    else pyenv's own builds."""
    candidates = [shutil.which(f"python{PYTHON}")]
    candidates += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{PYTHON}*/bin/python3")))
    for candidate in filter(None, candidates):
        version = subprocess.run(  # noqa: S603 (an interpreter found on this machine)
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if version.returncode == 0 and version.stdout.strip() == PYTHON:
            return candidate
    raise AssertionError(
        f"Python {PYTHON} is missing: install it (pyenv install {PYTHON}, or your distribution's "
        f"python{PYTHON} package) so that the Django {NEXT_DJANGO} job can run."
    )


# Each strategy once and each media choice once: every settings, storage and deploy module of
# the template runs on the next Django. All nine pass too (DJANGO_NEXT=all make test runs
# them); the suite keeps to three for its 15 minutes.
CHOSEN = VARIANTS if os.environ.get("DJANGO_NEXT") == "all" else COVERING


@pytest.mark.parametrize("answers", CHOSEN, ids=map(variant_id, CHOSEN))
def test_the_projects_own_tests_pass_on_the_next_django(bake, answers, tmp_path):
    project = fresh_copy(bake(answers), tmp_path / "project")
    requirements = project / "requirements.txt"
    pinned = requirements.read_text()
    assert re.search(r"^Django==5\.2\.\d+$", pinned, re.M), "the default pin is not 5.2 LTS"
    requirements.write_text(re.sub(r"^Django==.*$", f"Django=={NEXT_DJANGO}", pinned, flags=re.M))
    # One environment per variant, kept between runs: the Makefile updates it when needed.
    venv = CACHE_DIR / "venvs" / f"django-{NEXT_DJANGO}-{variant_id(answers)}"
    # As many machines (and containers) set it: nothing writes bytecode as it imports.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    output = run(["make", "test", f"PYTHON={python_312()}", f"VENV={venv}"], project, env)
    assert f"django: version: {NEXT_DJANGO}" in output, output[-2000:]
    # pytest's last line, e.g. "===== 81 passed in 11.86s =====": passed, and nothing else.
    summary = re.findall(r"^=+ (.+) in [\d.]+s(?: \(.*\))? =+$", output, re.M)
    assert summary and re.fullmatch(r"\d+ passed", summary[-1]), output[-2000:]
    # make install compiled the libraries: otherwise each command would compile Django again
    # (manage.py check: 1.4 s of CPU instead of 0.55 s).
    compiled = (
        "import importlib.util as u, os, django.db.models as m; "
        "print(os.path.exists(u.cache_from_source(m.__file__)))"
    )
    found = run([str(venv / "bin" / "python"), "-c", compiled], project, env)
    assert found.strip() == "True", "make install left Django's bytecode uncompiled"
