"""Every variant, running like production with DEBUG=False, serves every asset its pages use."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from .conftest import SUPERUSER
from .crawl import asset_problems, crawl_assets

pytestmark = pytest.mark.serving

PAGES = ["/", "/admin/login/"]
PNG = Path(__file__).parent.parent / "{{cookiecutter.project_slug}}/static/img/landscape.png"


def test_production_settings_pass_check_deploy(site):
    """The .env values the hook wrote are production values: no warning at all."""
    output = site.manage("check", "--deploy", "--fail-level", "WARNING")
    assert "no issues" in output, f"{site.name}: {output}"


@pytest.mark.parametrize("page", PAGES)
def test_page_serves_every_asset_hashed_cached_and_compressed(site, page):
    response, assets = crawl_assets(requests.Session(), site.url + page)
    assert response.status_code == 200, f"{site.name}: {page} answered {response.status_code}"
    assert len(assets) >= 3, f"{site.name}: {page} references only {len(assets)} assets"
    problems = [problem for asset in assets for problem in asset_problems(asset)]
    assert not problems, f"{site.name}, {page}:\n" + "\n".join(problems)


def test_home_page_reaches_the_font_and_background_through_css_urls(site):
    _, assets = crawl_assets(requests.Session(), site.url + "/")
    from_css = {Path(urlsplit(a.url).path).suffix for a in assets if a.referrer.endswith(".css")}
    assert {".woff2", ".png"} <= from_css, f"{site.name}: css url()s reached {from_css}"


def test_served_asset_bytes_are_the_collected_file(site):
    """What the server sends, decompressed, is byte for byte what collectstatic wrote."""
    _, assets = crawl_assets(requests.Session(), site.url + "/")
    static_root = site.project / "staticfiles"
    for asset in assets:
        name = urlsplit(asset.url).path.removeprefix("/static/")
        assert asset.body == (static_root / name).read_bytes(), f"{site.name}: {asset.url}"


def admin_session(site) -> requests.Session:
    session = requests.Session()
    login = f"{site.url}/admin/login/"
    session.get(login, timeout=30)
    response = session.post(
        login,
        timeout=30,
        data={
            **SUPERUSER,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
    )
    assert response.ok and "logout" in response.text, f"{site.name}: admin login failed"
    return session


def upload(session: requests.Session, site, name: str, content: bytes, content_type: str):
    """Upload through the admin form, then find the file's URL on the public list page."""
    add = f"{site.url}/admin/uploads/upload/add/"
    session.get(add, timeout=30)
    form = {"title": name, "csrfmiddlewaretoken": session.cookies["csrftoken"]}
    files = {"file": (name, content, content_type)}
    response = session.post(add, timeout=30, files=files, data=form)
    assert response.ok, f"{site.name}: upload of {name} answered {response.status_code}"
    listing = session.get(f"{site.url}/uploads/", timeout=30).text
    stem = re.escape(Path(name).stem)
    links = re.findall(rf'class="upload-link" href="([^"]*{stem}[^"]*)"', listing)
    assert links, f"{site.name}: {name} is not on /uploads/"
    return site.url + links[0]


def test_uploaded_image_round_trips_byte_for_byte(media_site):
    site = media_site
    session = admin_session(site)
    url = upload(session, site, "photo.png", PNG.read_bytes(), "image/png")
    response = requests.get(url, timeout=30)
    assert response.status_code == 200, f"{site.name}: {url} answered {response.status_code}"
    assert response.content == PNG.read_bytes(), f"{site.name}: {url} bytes differ"
    assert response.headers["Content-Type"] == "image/png", f"{site.name}: {url}"
    assert response.headers["X-Content-Type-Options"] == "nosniff", f"{site.name}: {url}"
