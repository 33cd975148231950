"""release_check.py: deploy/start's check of the release, once before the workers."""

from django.test import override_settings

from static_kit import release_check
from static_kit.checks import checked_manifest
from static_kit.static_server import WHITENOISE


def test_deploy_starts_check_indexes_nothing_and_prints_the_manifest_it_checked(
    collected, indexed, capsys
):
    """deploy/start's check (python -m static_kit.release_check) builds Django's application
    as a worker will, and no index of STATIC_ROOT: it used to import wsgi.py, whose
    WhiteNoiseMiddleware indexed every file once more (3-4 s at 20,000) only to throw it
    away. It prints the fingerprint the workers trust, and nothing else."""
    from django.conf import settings

    with override_settings(MIDDLEWARE=list(settings.MIDDLEWARE)):  # the check changes it
        assert WHITENOISE in settings.MIDDLEWARE
        assert release_check.main() == 0
    assert indexed == [], f"STATIC_ROOT indexed {len(indexed)} times by the check: {indexed}"
    assert capsys.readouterr().out == checked_manifest() + "\n"


def test_deploy_starts_check_refuses_a_release_in_one_line(settings, tmp_path, capsys):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_MANIFESTS_ROOT = tmp_path / "manifests"
    with override_settings(MIDDLEWARE=list(settings.MIDDLEWARE)):
        assert release_check.main() == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("ERROR: No staticfiles manifest") and err.count("\n") == 1, err
