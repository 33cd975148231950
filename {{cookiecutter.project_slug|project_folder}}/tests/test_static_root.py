"""Where static files are served from STATIC_ROOT, the server checks they are all there."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from static_kit.checks import refuse_unsafe_start


def test_start_with_a_manifest_but_files_elsewhere_is_refused(collected_static, settings, tmp_path):
    """The classic: collectstatic wrote to one STATIC_ROOT, the server reads another."""
    (collected_static / "css").rename(tmp_path / "css-moved")
    try:
        with pytest.raises(ImproperlyConfigured, match="missing from"):
            refuse_unsafe_start()
    finally:
        (tmp_path / "css-moved").rename(collected_static / "css")


@pytest.mark.parametrize("damage", ["truncated", "same size, other bytes"])
def test_start_with_a_damaged_hashed_file_is_refused_naming_it(collected_static, damage):
    """A hashed file cut short by a full disk would be cached for a year: its content, not
    only its size, is checked against its name."""
    path = next(collected_static.glob("css/site.*.css"))
    original = path.read_bytes()
    damaged = b"" if damage == "truncated" else original[:-1] + b"?"
    path.write_bytes(damaged)
    try:
        with pytest.raises(ImproperlyConfigured, match=path.name):
            refuse_unsafe_start()
    finally:
        path.write_bytes(original)
    refuse_unsafe_start()
