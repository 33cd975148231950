from django.apps import AppConfig


class ProjectConfig(AppConfig):
    name = "{{ cookiecutter.project_slug }}"
    verbose_name = {{ cookiecutter.project_name | python_string }}

    def ready(self):
        from . import checks  # noqa: F401  (registers the static and media checks)
