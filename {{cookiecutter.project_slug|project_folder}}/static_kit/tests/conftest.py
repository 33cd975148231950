"""What several of the library's tests share: a STATIC_ROOT filled by a real collectstatic, and
a source tree for collectstatic runs that change it."""

import shutil

import pytest
from django.core.management import call_command

from static_kit.tests.settings import HERE

# Images in `tree` that nothing references.
OTHERS = 20


@pytest.fixture
def collected(settings, tmp_path):
    """collectstatic of this folder's static/ into a fresh STATIC_ROOT: (root, manifest)."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STATIC_MANIFESTS_ROOT = tmp_path / "manifests"
    call_command("collectstatic", "--noinput", verbosity=0)
    from django.core.files.storage import storages

    return settings.STATIC_ROOT, dict(storages["staticfiles"].hashed_files)


@pytest.fixture
def tree(settings, tmp_path):
    """Sources: a stylesheet importing another and using an image, a stylesheet using
    another image, a script, and more images that nothing references."""
    source = tmp_path / "src"
    shutil.copytree(HERE / "static", source)
    (source / "css" / "plain.css").write_text(
        '.p { background: url("../img/other-0.png"); }\n'
        '.q { background: url("../img/other-1.png?v=2#x"); }\n'
    )
    (source / "js").mkdir()
    (source / "js" / "app.js").write_text("console.log('app');\n")
    for n in range(OTHERS):
        (source / "img" / f"other-{n}.png").write_bytes(
            (HERE / "static" / "img" / "dot.png").read_bytes() + bytes([n])
        )
    settings.STATICFILES_DIRS = [source]
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STATIC_MANIFESTS_ROOT = tmp_path / "manifests"
    return source


@pytest.fixture
def indexed(monkeypatch):
    """The WhiteNoise instances that index a folder, by class name, as they do."""
    from whitenoise.base import WhiteNoise

    found = []
    add_files = WhiteNoise.add_files

    def counted(self, root, prefix=None):
        found.append(type(self).__name__)
        return add_files(self, root, prefix)

    monkeypatch.setattr(WhiteNoise, "add_files", counted)
    return found
