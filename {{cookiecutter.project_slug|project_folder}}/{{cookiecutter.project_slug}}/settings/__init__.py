"""Django settings, assembled from the modules below.

base.py holds what every project from this template shares. The media modules decide where
uploads go (media_common.py: what every kind of upload storage shares), and the serving
strategy's module how static files are stored and served; each adjusts the base values in
place, so none depends on the others' order.
Deployment values come from the environment (see .env.example).
"""

from .base import *  # noqa: F403
{%- if cookiecutter.media_storage != "none" %}
from .media_common import *  # noqa: F403
from .media_{{ cookiecutter.media_storage }} import *  # noqa: F403
{%- endif %}
from .{{ cookiecutter.serving_strategy }} import *  # noqa: F403
