"""storage/incremental.py: a run after one change hashes and writes only what that change
touches, and writes the manifest Django's own storage writes."""

import json
import os
import time
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import HashedFilesMixin
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError

from static_kit.storage.integrity import content_hash


@pytest.fixture
def hashed(monkeypatch):
    """The files Django reads and hashes during a run (HashedFilesMixin.file_hash; the
    manifest's own hash has no name)."""
    names = []
    file_hash = HashedFilesMixin.file_hash

    def counting(self, name, content=None):
        if name is not None:
            names.append(name)
        return file_hash(self, name, content)

    monkeypatch.setattr(HashedFilesMixin, "file_hash", counting)
    return names


def collect() -> dict:
    storages._storages.pop("staticfiles", None)  # noqa: SLF001 (a fresh storage each run)
    call_command("collectstatic", "--noinput", verbosity=0)
    return dict(storages["staticfiles"].hashed_files)


def change(path: Path, content: bytes) -> None:
    """New bytes, and a time collectstatic sees as newer than its copy (it compares seconds)."""
    path.write_bytes(content)
    later = time.time_ns() + 10**10
    os.utime(path, ns=(later, later))


def files(root: Path) -> dict[str, tuple]:
    return {
        str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def test_one_changed_image_rehashes_it_and_the_stylesheet_using_it_and_nothing_else(
    tree, hashed, settings
):
    first = collect()
    before = files(settings.STATIC_ROOT)
    hashed.clear()
    change(tree / "img" / "dot.png", (tree / "img" / "dot.png").read_bytes() + b"changed")
    manifest = collect()

    assert set(hashed) == {"img/dot.png", "css/site.css"}, sorted(hashed)
    assert manifest["img/dot.png"] != first["img/dot.png"]
    assert manifest["css/site.css"] != first["css/site.css"]
    assert {k: v for k, v in manifest.items() if k not in {"img/dot.png", "css/site.css"}} == {
        k: v for k, v in first.items() if k not in {"img/dot.png", "css/site.css"}
    }
    after = files(settings.STATIC_ROOT)
    rewritten = sorted(name for name in before if after.get(name) != before[name])
    assert rewritten == ["img/dot.png"], rewritten  # the unhashed copy, copied anew
    new = sorted(set(after) - set(before))
    assert all(n.startswith((manifest["img/dot.png"], manifest["css/site.css"])) for n in new), new

    # The manifest is the one Django's own storage writes for these sources, from scratch.
    settings.STATIC_ROOT = settings.STATIC_ROOT.parent / "stock"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    collect()
    stock = json.loads((settings.STATIC_ROOT / "staticfiles.json").read_text())["paths"]
    ours = json.loads((settings.STATIC_MANIFESTS_ROOT / "staticfiles.json").read_text())["paths"]
    assert list(ours.items()) == list(stock.items())  # in its order too, as Django writes it


def test_an_unchanged_run_hashes_nothing_and_a_new_static_url_everything(tree, hashed, settings):
    collect()
    hashed.clear()
    collect()
    assert hashed == []  # plain.css too, whose url() has a query string
    settings.STATIC_URL = "/assets/"
    collect()
    assert {"img/dot.png", "js/app.js", "css/base.css"} <= set(hashed)


def test_clear_makes_a_whole_run_which_finds_a_deleted_reference(tree, hashed):
    """--clear deletes the old copy in STATIC_ROOT that would answer a reference, and the run,
    a whole one, says which file is missing."""
    collect()
    hashed.clear()
    (tree / "img" / "other-0.png").unlink()
    storages._storages.pop("staticfiles", None)  # noqa: SLF001
    with pytest.raises((ValueError, CommandError), match="img/other-0.png"):  # Django 5, 6
        call_command("collectstatic", "--noinput", "--clear", verbosity=0)
    assert "css/plain.css" in hashed


def test_a_checkout_that_only_touches_the_times_rehashes_nothing(tree, hashed):
    """A fresh checkout or a restored CI cache: every time is new, the bytes are the same."""
    collect()
    hashed.clear()
    for path in tree.rglob("*"):
        if path.is_file():
            change(path, path.read_bytes())
    change(tree / "js" / "app.js", b"console.log('changed');\n")
    collect()
    assert set(hashed) == {"js/app.js"}, sorted(hashed)


def test_a_changed_import_reaches_the_stylesheet_importing_it(tree, hashed):
    first = collect()
    hashed.clear()
    change(tree / "css" / "base.css", b"html { color: #000; }\n")
    manifest = collect()
    assert set(hashed) == {"css/base.css", "css/site.css"}, sorted(hashed)
    assert manifest["css/site.css"] != first["css/site.css"]
    site = storages["staticfiles"].path(manifest["css/site.css"])
    assert manifest["css/base.css"].removeprefix("css/") in Path(site).read_text()


def test_new_bytes_under_a_pinned_modification_time_are_seen(tree, hashed):
    """npm and reproducible builds pin modification times: a same-length upgrade of a vendored
    file keeps size and mtime, but never its change time."""
    first = collect()
    script = tree / "js" / "app.js"
    pinned = script.stat().st_mtime_ns
    script.write_text(script.read_text().replace("app", "new"))
    os.utime(script, ns=(pinned, pinned))
    hashed.clear()
    assert collect()["js/app.js"] != first["js/app.js"]
    assert set(hashed) == {"js/app.js"}, sorted(hashed)


def test_a_record_that_cannot_be_written_never_fails_the_run(tree, settings, capsys):
    record = settings.STATIC_ROOT.parent / "staticfiles.collected.json"
    record.mkdir()  # where the file would go
    assert collect()["css/site.css"]
    assert "the next collectstatic will process every file again" in capsys.readouterr().err


def test_a_url_with_a_query_gets_the_new_files_hash_when_its_copy_was_not_refreshed(tree, settings):
    """collectstatic copies a source only when it is newer than its copy in STATIC_ROOT, so a
    font upgraded under npm's pinned time (or an older checkout collected into a root shared
    by releases) keeps its old copy. Django hashed that copy for url("font?v=4"), and the
    stylesheet linked the old font for good; the manifest must name what an empty
    STATIC_ROOT gets."""
    collect()
    image = tree / "img" / "other-1.png"  # plain.css: url("../img/other-1.png?v=2#x")
    image.write_bytes(image.read_bytes() + b"upgraded")
    os.utime(image, ns=(0, 0))  # older than its copy: not copied again
    manifest = collect()
    new = manifest["img/other-1.png"].removeprefix("img/")
    assert new.split(".")[1] == content_hash(image)
    plain = Path(storages["staticfiles"].path(manifest["css/plain.css"])).read_text()
    assert f"{new}?v=2#x" in plain, plain


def test_a_reference_whose_file_is_gone_fails_without_clear_too(tree, hashed):
    """The copy the previous run left in STATIC_ROOT answered it: the manifest named a file
    no source has, which the next prune or a fresh server deletes."""
    collect()
    (tree / "img" / "other-0.png").unlink()
    with pytest.raises((ValueError, CommandError), match="img/other-0.png"):
        collect()
