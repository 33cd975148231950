"""Every command a generated README prints works as printed, in its variant, from a fresh bake.

The commands are the lines of the README's ```sh blocks (production steps are prose, for the
server). Each runs with this suite's PORT and VENV added, so that variants never share a port
and reuse the installed requirements. Servers (make run, make dev) are started, must answer,
and are stopped; the others run while make run is up (make doctor checks what it serves) and
must exit 0. `make test` is run by test_project_tests, after a startapp.
"""

import os
import re
import shutil
import subprocess

import pytest
import requests

from .servers import LOOPBACK, free_port, project_environment, running
from .variants import VARIANT_IDS, VARIANTS

SERVERS = ("make run", "make dev")
FRESH = shutil.ignore_patterns(
    ".run", "staticfiles", "static-manifests", ".*.log", "db.sqlite3", "media", ".local-s3"
)


def readme_commands(project) -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", (project / "README.md").read_text(), re.S)
    lines = (line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines())
    return [line for line in lines if line]


@pytest.mark.parametrize("answers", VARIANTS, ids=VARIANT_IDS)
def test_every_command_the_readme_prints_works_as_printed(bake, answers, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(bake(answers), project, ignore=FRESH)
    venv = project_environment(project)
    commands = readme_commands(project)
    assert commands[:3] == ["make run", "make dev", "make test"], commands
    others = [command for command in commands if command not in (*SERVERS, "make test")]
    assert others, f"{answers}: the README prints no other local command: {commands}"
    port = free_port()
    url, extra = f"http://{LOOPBACK}:{port}/", [f"PORT={port}", f"VENV={venv}"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    with running(["make", "run", *extra], project, env, url, "readme-run", timeout=180):
        assert requests.get(url, timeout=30).status_code == 200
        for command in others:
            result = subprocess.run(  # noqa: S602 (the README's own line, as a user types it)
                f"{command} {' '.join(extra)}",
                shell=True,
                cwd=project,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            output = result.stdout + result.stderr
            assert result.returncode == 0, (
                f"{answers}: `{command}` exited {result.returncode}:\n{output[-3000:]}"
            )
    with running(["make", "dev", *extra], project, env, url, "readme-dev", timeout=120):
        assert requests.get(url, timeout=30).status_code == 200
