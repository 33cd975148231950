"""The static files a page needs exist after collectstatic and are served with DEBUG=False."""

from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages

from static_kit.references import asset_urls, css_references, template_static_references
from static_kit.storage.integrity import unhashed_name

APP_SERVES_STATIC = "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE


# The admin's login page, and the demo's home page while the demo is there (make remove-demo).
PAGES = ["/admin/login/", *(["/"] if apps.is_installed("pages") else [])]


def static_urls_in(html):
    return [url for url in asset_urls(html) if urlsplit(url).path.startswith("/static/")]


def test_templates_refer_to_static_files_inside_if_blocks_too(collected_static):
    references = {path for _, path in template_static_references()}
    assert "admin/css/rtl.css" in references  # only rendered for right-to-left languages
    assert "admin/css/base.css" in references


def test_every_template_static_reference_is_in_the_manifest(collected_static):
    storage = storages["staticfiles"]
    missing = []
    for template, path in template_static_references():
        try:
            storage.stored_name(path)
        except ValueError:
            missing.append(f"{template}: {path}")
    assert not missing, "Not in the manifest after collectstatic:\n" + "\n".join(missing)


def test_every_url_in_collected_css_exists(collected_static):
    storage = storages["staticfiles"]
    broken = []
    for original, hashed in storage.hashed_files.items():
        if not original.endswith(".css"):
            continue
        css = (collected_static / hashed).read_text(encoding="utf-8")
        for url in css_references(css):
            target = PurePosixPath(hashed).parent / url
            if not (collected_static / target).resolve().is_file():
                broken.append(f"{hashed}: url({url})")
    assert not broken, "CSS refers to files that were not collected:\n" + "\n".join(broken)


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_and_every_asset_it_links_is_served(page, client, collected_static):
    response = client.get(page, secure=True)
    assert response.status_code == 200, f"{page} answered {response.status_code}"
    urls = static_urls_in(response.content.decode())
    assert urls, f"{page} links no static file"
    for url in urls:
        name = urlsplit(url).path.removeprefix(urlsplit(settings.STATIC_URL).path)
        assert unhashed_name(name), f"{page}: {url} is not a hashed name"
        assert (collected_static / name).is_file(), f"{page}: {url} is not in STATIC_ROOT"
        if APP_SERVES_STATIC:
            asset = client.get(url, secure=True)
            assert asset.status_code == 200, f"{page}: {url} answered {asset.status_code}"
            assert "immutable" in asset.headers["Cache-Control"], f"{url}: not cached forever"
            if not url.endswith(".css"):
                continue
            for css_url in css_references(b"".join(asset.streaming_content).decode()):
                nested = client.get(urljoin(url, css_url), secure=True)
                assert nested.status_code == 200, f"{url}: url({css_url}) -> {nested.status_code}"
