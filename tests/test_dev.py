"""`make dev`, as a developer uses it on a fresh bake: DEBUG=True on 127.0.0.1, an edit to a
stylesheet and to a template shows on the next request with no restart, and an upload is kept
across a restart (S3 media: through the same local S3 API as make run)."""

import html
import os
import re
import shutil
from urllib.parse import urljoin

import pytest
import requests

from .conftest import SUPERUSER, Site
from .servers import LOOPBACK, free_port, project_environment, run, running, wait_for
from .test_serving import PNG, admin_session, upload
from .variants import VARIANT_IDS, VARIANTS


def make_dev(project, venv, port):
    command = ["make", "dev", f"PORT={port}", f"VENV={venv}"]
    url = f"http://{LOOPBACK}:{port}"
    return running(command, project, dict(os.environ), url + "/", "dev", timeout=120), url


@pytest.mark.parametrize("answers", VARIANTS, ids=VARIANT_IDS)
def test_make_dev_shows_edits_at_once_and_keeps_uploads_across_a_restart(bake, answers, tmp_path):
    project = tmp_path / "project"
    # As freshly baked: none of the other tests' database, uploads or collected files.
    fresh = shutil.ignore_patterns(
        ".run", "staticfiles", "static-manifests", ".*.log", "db.sqlite3", "media", ".local-s3"
    )
    shutil.copytree(bake(answers), project, ignore=fresh)
    venv = project_environment(project)
    has_media = answers["media_storage"] != "none"
    if has_media:
        run([str(venv / "bin" / "python"), "manage.py", "migrate", "--noinput"], project)
        run(
            [str(venv / "bin" / "python"), "manage.py", "createsuperuser", "--noinput"]
            + ["--username", SUPERUSER["username"], "--email", "admin@example.com"],
            project,
            {**os.environ, "DJANGO_SUPERUSER_PASSWORD": SUPERUSER["password"]},
        )
    server, url = make_dev(project, venv, free_port())
    with server:
        home = requests.get(url + "/", timeout=30)
        assert home.status_code == 200 and 'href="/static/css/site.css"' in home.text, url
        assert "reload-listener" in home.text, "django-browser-reload is not on the page"

        stylesheet = project / "static" / "css" / "site.css"
        stylesheet.write_text(stylesheet.read_text() + "\n.edited-in-dev { color: #123456; }\n")
        css = requests.get(url + "/static/css/site.css", timeout=30)
        assert css.status_code == 200 and ".edited-in-dev" in css.text, "the CSS edit is not served"

        base = project / "templates" / "base.html"
        base.write_text(base.read_text().replace("</footer>", "<!-- edited in dev --></footer>"))
        # runserver's file watcher looks once a second, then clears the template cache.
        wait_for(
            lambda: "<!-- edited in dev -->" in requests.get(url + "/", timeout=30).text,
            10,
            "the template edit never showed",
        )

        if has_media:
            site = Site(answers, project, venv, url)
            link = upload(admin_session(site), site, "dev.png", PNG.read_bytes(), "image/png")
            assert requests.get(link, timeout=30).content == PNG.read_bytes(), link
    if answers["media_storage"] == "s3":  # a new local S3 API: the upload must be back in it
        server, url = make_dev(project, venv, free_port())
        with server:
            links, listing = listed(url, "dev")
            assert links and "missing" not in listing, f"after a restart: {listing[:2000]}"
            kept = requests.get(links[0], timeout=30)
            assert kept.content == PNG.read_bytes(), f"{links[0]}: {kept.status_code}"


def listed(url: str, stem: str) -> tuple[list[str], str]:
    """The links /uploads/ gives for files named `stem`..., and the page."""
    page = requests.get(url + "/uploads/", timeout=30).text
    links = re.findall(rf'class="upload-link" href="([^"]*{stem}[^"]*)"', page)
    return [urljoin(url + "/", html.unescape(link)) for link in links], page
