"""The exact files each answer puts in a generated project, derived from the template.

Every file of the project template, with its rendered name, minus what the post-generation
hook's prune table (OWNED_PATHS) removes for these answers, plus the `.env` the hook writes.
The bake test compares each variant with this, so a file that appears, or one the table
claims but the bake keeps (or loses), fails it. A new choice needs no list edit here: only
its entry in OWNED_PATHS.
"""

import importlib.util

from harness.variants import TEMPLATE_DIR

PROJECT_TEMPLATE = TEMPLATE_DIR / "{{cookiecutter.project_slug|project_folder}}"
SLUG_PART = "{{cookiecutter.project_slug}}"
WRITTEN_BY_THE_HOOK = {".env"}


def load_post_gen_hook():
    path = TEMPLATE_DIR / "hooks" / "post_gen_project.py"
    spec = importlib.util.spec_from_file_location("post_gen_project", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def template_files(slug: str) -> set[str]:
    """Every file of the project template, named as a bake names it."""
    return {
        path.relative_to(PROJECT_TEMPLATE).as_posix().replace(SLUG_PART, slug)
        for path in PROJECT_TEMPLATE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def expected_files(answers: dict, slug: str) -> set[str]:
    hook = load_post_gen_hook()
    for prompt, answer in answers.items():
        table = hook.OWNED_PATHS.get(prompt)
        assert table is None or answer in table, (
            f"list the paths of {prompt}={answer} in OWNED_PATHS (hooks/post_gen_project.py)"
        )
    pruned = hook.paths_to_prune({**answers, "project_slug": slug})
    kept = {
        name
        for name in template_files(slug)
        if not any(name == path or name.startswith(f"{path}/") for path in pruned)
    }
    return kept | WRITTEN_BY_THE_HOOK
