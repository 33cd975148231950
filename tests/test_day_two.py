"""A fresh bake of every variant, used the way its README says and a developer works on day two,
in one sitting: the user's first app and a script of theirs whose name is not ASCII, `make
test`, `make run` (and every other command the README prints, while it runs) serving that
script with an upload, then `make dev` after a restart of the whole local
stack: edits show at once, and the upload is still there byte for byte. Last, the demo removed
in the README's one step, and the project's checks passing without it.

The README's commands are the lines of its ```sh blocks (production steps are prose, for the
server). Each runs as printed with this suite's PORT and VENV added, so that variants never
share a port and reuse the installed requirements.
"""

import html
import os
import re
import subprocess
from urllib.parse import quote, urljoin

import pytest
import requests

from harness.faults import file_hash
from harness.servers import (
    LOOPBACK,
    free_port,
    fresh_copy,
    project_environment,
    run,
    running,
    wait_for,
)
from harness.sites import PNG, SUPERUSER, Site, admin_session, upload
from harness.variants import COVERING, VARIANT_IDS, VARIANTS

SERVERS = ("make run", "make dev")
# Run last: it deletes the demo the rest of the test uses.
REMOVE_DEMO = "make remove-demo"


ACCENTED = "café.js"
ACCENTED_SCRIPT = "console.log('café');\n"


def served_like_site_css(page: requests.Response, name: str, content: str) -> str:
    """Where the site serves the collected `name` holding `content` (nothing rewrites it, so
    its hash is Django's, from those bytes): beside the hashed site.css the page links, on its
    host (the site, or the CDN's)."""
    found = re.search(r'href="([^"]*?)css/site\.[0-9a-f]{12}\.css"', page.text)
    assert found, f"no hashed site.css linked: {page.text[:2000]}"
    stem, extension = name.rsplit(".", 1)
    hashed = f"{stem}.{file_hash(content.encode())}.{extension}"
    return urljoin(page.url, html.unescape(found[1]) + quote(hashed))


def readme_commands(project) -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", (project / "README.md").read_text(), re.S)
    lines = (line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines())
    return [line for line in lines if line]


def shell(command: str, project, env) -> None:
    """A README line, as a user types it; it must exit 0."""
    result = subprocess.run(  # noqa: S602 (the README's own line)
        command, shell=True, cwd=project, env=env, capture_output=True, text=True, timeout=600
    )
    output = (result.stdout + result.stderr)[-3000:]
    assert result.returncode == 0, f"`{command}` in {project} exited {result.returncode}:\n{output}"


def listed(url: str, stem: str) -> tuple[list[str], str]:
    """The links /uploads/ gives for files named `stem`..., and the page."""
    page = requests.get(url + "/uploads/", timeout=30).text
    links = re.findall(rf'class="upload-link" href="([^"]*{stem}[^"]*)"', page)
    return [urljoin(url + "/", html.unescape(link)) for link in links], page


@pytest.mark.threat(
    "Nothing lost for media",
    "Upload under make run, restart the whole stack into make dev: byte for byte",
    cases=lambda answers: int(answers["media_storage"] != "none"),
)
@pytest.mark.parametrize("answers", VARIANTS, ids=VARIANT_IDS)
def test_a_fresh_bake_works_as_its_readme_says_and_as_a_developer_uses_it(bake, answers, tmp_path):
    project = fresh_copy(bake(answers), tmp_path / "project")
    venv = project_environment(project)
    python = str(venv / "bin" / "python")
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    commands = readme_commands(project)
    assert commands[:3] == ["make run", "make dev", "make test"], commands
    assert REMOVE_DEMO in commands, commands
    others = [c for c in commands if c not in (*SERVERS, "make test", REMOVE_DEMO)]
    assert others, f"the README prints no other local command: {commands}"
    port = free_port()
    url, extra = f"http://{LOOPBACK}:{port}", f"PORT={port} VENV={venv}"

    # The user's first app, then the project's own checks, as printed. Where the strategy and
    # media choice are covered once (COVERING), they run after the demo is removed instead (at
    # the end); tests/test_django_next.py runs them with the demo there, on the next Django.
    run([python, "manage.py", "startapp", "blog"], project)
    # A file of the user's whose name is not ASCII: collected, hashed and served like the rest.
    accented = project / "static" / "js" / ACCENTED
    accented.parent.mkdir(parents=True, exist_ok=True)
    accented.write_text(ACCENTED_SCRIPT)
    if answers not in COVERING:
        shell(f"make test {extra}", project, env)

    has_media = answers["media_storage"] != "none"

    # make run, as production serves it, and every other README command while it runs.
    with running(["make", "run", *extra.split()], project, env, url + "/", "run", timeout=180):
        home = requests.get(url + "/", timeout=30)
        assert home.status_code == 200
        served = served_like_site_css(home, f"js/{ACCENTED}", ACCENTED_SCRIPT)
        script = requests.get(served, timeout=30)
        assert script.status_code == 200 and script.text == ACCENTED_SCRIPT, script.url
        for command in others:
            shell(f"{command} {extra}", project, env)
        if has_media:  # an admin, as the README says, in the database make run migrated
            run(
                [python, "manage.py", "createsuperuser", "--noinput", "--username"]
                + [SUPERUSER["username"], "--email", "admin@example.com"],
                project,
                {**env, "DJANGO_SUPERUSER_PASSWORD": SUPERUSER["password"]},
            )
            site = Site(answers, project, venv, url)
            upload(admin_session(site), site, "kept.png", PNG.read_bytes(), "image/png")

    # make dev: edits show at once; the upload is still there after the whole stack restarted.
    with running(["make", "dev", *extra.split()], project, env, url + "/", "dev", timeout=120):
        home = requests.get(url + "/", timeout=30)
        assert 'href="/static/css/site.css"' in home.text and "reload-listener" in home.text

        stylesheet = project / "static" / "css" / "site.css"
        stylesheet.write_text(stylesheet.read_text() + "\n.edited-in-dev { color: #123456; }\n")
        css = requests.get(url + "/static/css/site.css", timeout=30)
        assert css.status_code == 200 and ".edited-in-dev" in css.text, "the CSS edit is not served"

        base = project / "pages" / "templates" / "base.html"
        base.write_text(base.read_text().replace("</footer>", "<!-- edited in dev --></footer>"))
        # runserver's file watcher looks once a second, then clears the template cache.
        wait_for(
            lambda: "<!-- edited in dev -->" in requests.get(url + "/", timeout=30).text,
            10,
            "the template edit never showed",
        )
        if has_media:
            links, page = listed(url, "kept")
            assert links and "missing" not in page, f"lost across a restart: {page[-2000:]}"
            assert requests.get(links[0], timeout=30).content == PNG.read_bytes(), links[0]

    # The demo goes in the README's one step; the project's checks still pass without it (the
    # whole `make test` once per strategy and media choice, lint and Django's checks elsewhere).
    shell(f"{REMOVE_DEMO} {extra}", project, env)
    assert not (project / "pages").exists() and not (project / "uploads").exists()
    if answers in COVERING:
        shell(f"make test {extra}", project, env)
    else:
        shell(f"make lint {extra}", project, env)
        run([python, "manage.py", "check"], project, env)
