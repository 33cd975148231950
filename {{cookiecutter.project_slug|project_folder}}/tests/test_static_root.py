"""Where static files are served from STATIC_ROOT, the server checks they are all there."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from {{ cookiecutter.project_slug }}.checks import refuse_unsafe_start


def test_start_with_a_manifest_but_files_elsewhere_is_refused(collected_static, settings, tmp_path):
    """The classic: collectstatic wrote to one STATIC_ROOT, the server reads another."""
    (collected_static / "css").rename(tmp_path / "css-moved")
    try:
        with pytest.raises(ImproperlyConfigured, match="missing from"):
            refuse_unsafe_start()
    finally:
        (tmp_path / "css-moved").rename(collected_static / "css")
