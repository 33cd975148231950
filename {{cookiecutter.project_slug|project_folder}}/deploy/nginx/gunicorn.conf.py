"""gunicorn for the Nginx strategy: Django only, on a unix socket that nginx proxies to.

https://docs.gunicorn.org/en/stable/settings.html
"""

import os

wsgi_app = "{{ cookiecutter.project_slug }}.wsgi:application"

# systemd's {{ cookiecutter.project_slug }}.socket hands the socket over (LISTEN_FDS); `make run`
# passes --bind unix:.run/nginx-$PORT/gunicorn.sock.
bind = os.environ.get("GUNICORN_BIND", "unix:/run/{{ cookiecutter.project_slug }}/gunicorn.sock")
# WEB_CONCURRENCY worker processes, each answering one request at a time (sync): nginx buffers
# slow clients' requests and answers, so none holds a worker. Pages rendered by Django are
# CPU-bound: threads (gthread) share each process's GIL, and with 4 of them pages ran at 0.85x
# the requests per second of sync workers, p99 50 ms against 24 (make bench). GUNICORN_THREADS
# above 1 switches to gthread, for views that mostly wait (a slow API, a slow database).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

# Load the app once in the master: a missing release id or manifest stops the service at
# start-up (see wsgi.py) instead of failing in every worker.
preload_app = True

# nginx, on the same machine, is the only client; it sets X-Forwarded-Proto from the real
# connection. Only that header may mark a request as HTTPS, not the others gunicorn knows.
forwarded_allow_ips = "127.0.0.1,::1"
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# The control socket (gunicornc) defaults to one shared path in $HOME: two servers on one
# machine would fight over it, and the service user may not write there.
control_socket_disable = True

# nginx logs every request already (its access_log): a second line per page from gunicorn
# cost a quarter of the pages per second here (make bench), and p99 88 ms against 57.
# GUNICORN_ACCESS_LOG=- writes gunicorn's own lines to stdout.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
