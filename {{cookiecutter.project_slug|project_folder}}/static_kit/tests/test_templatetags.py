"""templatetags/assets.py, and storage/subresource.py behind it: each script's and stylesheet's
integrity digest is taken when collectstatic writes it, kept in the manifest, and put on the
tags. (Django's tag braces are written as tag() here: the library holds no Jinja-like text.)"""

import base64
import hashlib
import json

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import storages
from django.template import Context, Template, TemplateSyntaxError

from static_kit.tests.test_incremental import change, collect


def sha384(path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def manifest_on_disk(settings) -> dict:
    return json.loads((settings.STATIC_MANIFESTS_ROOT / "staticfiles.json").read_text())


def tag(text: str) -> str:
    """A Django template tag: tag("load assets") is the tag that loads the assets library."""
    return "{" + f"% {text} %" + "}"


def render(*parts: str) -> str:
    """The template of `parts` (text, and tags made by tag()), after loading the library."""
    return Template(tag("load assets") + "".join(parts)).render(Context())


def test_the_manifest_holds_the_digest_of_each_script_and_stylesheet_as_written(tree, settings):
    paths = collect()
    written = manifest_on_disk(settings)
    scripts_and_styles = {h for n, h in paths.items() if n.endswith((".css", ".js"))}
    assert set(written["integrity"]) == scripts_and_styles
    for hashed, value in written["integrity"].items():
        assert value == sha384(settings.STATIC_ROOT / hashed), hashed
    # The rewritten stylesheet's digest is of the bytes served (hashed url()s), not the source's.
    site = paths["css/site.css"]
    assert written["integrity"][site] != sha384(tree / "css" / "site.css")
    # A process reading the manifest gets them back.
    storages._storages.pop("staticfiles", None)  # noqa: SLF001
    assert storages["staticfiles"].integrity == written["integrity"]


def test_a_run_after_one_change_reads_for_digests_only_the_new_hashed_files(tree, settings):
    collect()
    first = manifest_on_disk(settings)["integrity"]
    assert staticfiles_storage.integrity_reads == len(first)
    # dot.png changed: site.css, which uses it, gets a new hashed name; nothing else does.
    change(tree / "img" / "dot.png", (tree / "img" / "dot.png").read_bytes() + b"changed")
    paths = collect()
    assert staticfiles_storage.integrity_reads == 1
    then = manifest_on_disk(settings)["integrity"]
    assert set(then) - set(first) == {paths["css/site.css"]}
    assert then[paths["css/site.css"]] == sha384(settings.STATIC_ROOT / paths["css/site.css"])
    collect()
    assert staticfiles_storage.integrity_reads == 0


def test_the_tags_carry_the_manifests_digest_and_crossorigin(tree, settings):
    paths = collect()
    digests = storages["staticfiles"].integrity
    site, script = paths["css/site.css"], paths["js/app.js"]
    assert render(tag("stylesheet 'css/site.css'")) == (
        f'<link rel="stylesheet" href="/static/{site}" integrity="{digests[site]}" '
        'crossorigin="anonymous">'
    )
    assert render(tag("script 'js/app.js' defer=True type='module'")) == (
        f'<script src="/static/{script}" integrity="{digests[script]}" crossorigin="anonymous" '
        'type="module" defer></script>'
    )
    assert render('<link href="', tag('integrity_href "css/site.css"'), '">') == (
        f'<link href="/static/{site}" integrity="{digests[site]}" crossorigin="anonymous">'
    )
    assert render(tag("integrity 'js/app.js'")) == (
        f' integrity="{digests[script]}" crossorigin="anonymous"'
    )
    # An image has no digest: browsers check scripts and stylesheets.
    assert render(tag("integrity 'img/dot.png'")) == ""


def test_without_digests_the_tags_are_the_plain_ones(tree, settings):
    settings.STATIC_INTEGRITY_NAMES = []
    paths = collect()
    assert manifest_on_disk(settings)["integrity"] == {}
    assert render(tag("stylesheet 'css/site.css'")) == (
        f'<link rel="stylesheet" href="/static/{paths["css/site.css"]}">'
    )
    # make dev's storage: no manifest, files as they are in the source folders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    storages._storages.pop("staticfiles", None)  # noqa: SLF001
    assert render(tag("script 'js/app.js'")) == '<script src="/static/js/app.js"></script>'


def test_an_attribute_that_is_not_a_name_is_refused(tree, settings):
    collect()
    with pytest.raises(TemplateSyntaxError, match="not an attribute name"):
        render(tag("script 'js/app.js' Onload='x'"))


def test_with_debug_on_the_tags_carry_no_digest_and_keep_every_value(tree, settings):
    """DEBUG: the static tag links the unhashed source, which the digest is not of."""
    collect()
    settings.DEBUG = True
    assert render(tag("script 'js/app.js' data_n=1 data_zero=0")) == (
        '<script src="/static/js/app.js" data-n="1" data-zero="0"></script>'
    )
