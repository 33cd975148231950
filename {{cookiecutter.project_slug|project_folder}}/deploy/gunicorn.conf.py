"""gunicorn on TCP, behind a PaaS router or a load balancer (whitenoise and s3_cdn strategies).

https://docs.gunicorn.org/en/stable/settings.html
"""

import os

wsgi_app = "{{ cookiecutter.project_slug }}.wsgi:application"

# Containers and PaaS routers connect from outside; `make run` binds 127.0.0.1 instead.
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# WEB_CONCURRENCY worker processes, GUNICORN_THREADS threads each.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads let one worker send a response while another request waits on the database.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Load the app once in the master: a missing manifest, a missing release id or a dotfile in
# STATIC_ROOT stops the server at start-up (see wsgi.py) instead of failing in every worker.
preload_app = True

# Only these addresses may tell gunicorn the client used HTTPS, and only by X-Forwarded-Proto
# (not the other headers gunicorn would believe by default). Behind a router or load balancer
# whose address changes, set FORWARDED_ALLOW_IPS=*.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# The control socket (gunicornc) defaults to one shared path in $HOME: two servers on one
# machine would fight over it, and an unprivileged container may not write there.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
