"""What each environment variable that `.env` does not set is for: the one place the guide's
environment reference takes it from.

A variable a user sets in `.env` is described where they set it, in `.env.example`. The rest
are set elsewhere: by make, by a PaaS or the container (deploy/start), on the server for
deploy.sh, or by Django's own machinery. They are described here, as data, and
tests/test_docs.py checks both ways: every variable the projects read is described in one of
the two places, and every name here is read by some variant. Comments in the code are for its
readers again, not for the docs build.
"""

OUTSIDE_ENV_FILE = {
    "DJANGO_SETTINGS_MODULE": "The settings module Django loads: `<slug>.settings` (manage.py, "
    "wsgi.py, deploy/start), `<slug>.settings.dev` for `make dev`.",
    "VENV": "The virtualenv `make` installs into and runs from (default `.venv`).",
    "NGINX": "An nginx binary of your own, instead of the one on PATH or in /usr/sbin.",
    "APP_ROOT": "Where deploy.sh keeps the releases, the shared static and media folders and "
    "`current` on the server; nginx_config.py's production paths follow it.",
    "KEEP_RELEASES": "How many releases deploy.sh keeps on disk for a rollback.",
    "PYTHON": "The interpreter each release's virtualenv is made from (deploy.sh).",
    "RESTART_COMMAND": "How deploy.sh restarts gunicorn; systemd holds the socket meanwhile, so "
    "requests wait and none is refused.",
    "GRANIAN_BACKPRESSURE": "Connections each granian worker keeps open at once, idle "
    "keep-alive ones included.",
    "GRANIAN_HOST": "The address granian listens on: all of them in a container, 127.0.0.1 "
    "for `make run`.",
    "GRANIAN_HTTP1_HEADER_READ_TIMEOUT": "How long a client has to send its request line and "
    "headers before granian closes the connection.",
    "GRANIAN_LOG_ACCESS_ENABLED": "One access-log line per request on stdout (off by default).",
    "GRANIAN_PORT": "granian's port: PORT, as a PaaS router or the container sets it.",
    "GRANIAN_RESPAWN_FAILED_WORKERS": "A granian worker that dies is replaced.",
    "GRANIAN_WORKERS": "granian's worker processes: WEB_CONCURRENCY, the PaaS convention, else 2.",
    "STATIC_KIT_CHECKED_MANIFEST": "Set by deploy/start for its granian workers, not by you: "
    "the fingerprint of the manifest whose files it checked. A worker that loads that "
    "manifest skips the same check.",
}
