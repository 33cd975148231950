"""nginx's own headers come from the settings Django reads: its HSTS is Django's, whatever the
DJANGO_HSTS_* values."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "nginx"
spec = importlib.util.spec_from_file_location("nginx_config", DEPLOY / "nginx_config.py")
nginx_config = importlib.util.module_from_spec(spec)
spec.loader.exec_module(nginx_config)

# Django's answer over HTTPS, with the settings these variables give.
DJANGOS_HSTS = (
    "import json; from django.http import HttpResponse; from django.test import RequestFactory; "
    "from django.middleware.security import SecurityMiddleware; "
    "request = RequestFactory().get('/', secure=True); "
    "answer = SecurityMiddleware(lambda r: HttpResponse())(request); "
    "print(json.dumps(answer.headers.get('Strict-Transport-Security', '')))"
)


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"DJANGO_HSTS_SECONDS": "600"},
        {"DJANGO_HSTS_INCLUDE_SUBDOMAINS": "false", "DJANGO_HSTS_PRELOAD": "off"},
        {"DJANGO_HSTS_SECONDS": "0"},
        {"DJANGO_HTTPS": "false"},
        {"DJANGO_HTTPS": "false", "DJANGO_HSTS_SECONDS": "60", "DJANGO_HSTS_PRELOAD": "no"},
    ],
)
def test_nginx_sends_the_hsts_django_sends(env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_HSTS")}
    django = subprocess.run(  # noqa: S603 (this interpreter, this project's manage.py)
        [sys.executable, "manage.py", "shell", "-c", DJANGOS_HSTS],
        cwd=DEPLOY.parent.parent,
        env={**base, "DJANGO_HTTPS": "true", "DJANGO_RELEASE_ID": "tests", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    expected = json.loads(django.stdout.strip().splitlines()[-1])
    assert nginx_config.hsts({"DJANGO_HTTPS": "true", **env}) == expected
