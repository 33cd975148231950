"""The exact files each answer puts in a generated project, derived from the template.

Every file of the project template, with its rendered name, minus what the post-generation
hook's prune table (OWNED_PATHS) removes for these answers, plus the `.env` the hook writes.
The bake test compares each variant with this, so a file that appears, or one the table
claims but the bake keeps (or loses), fails it. A new choice needs no list edit here: only
its entry in OWNED_PATHS.
"""

from harness.variants import PROJECT_TEMPLATE_DIR
from local_extensions import load_hook

SLUG_PART = "{{cookiecutter.project_slug}}"
WRITTEN_BY_THE_HOOK = {".env"}


def template_files(slug: str) -> set[str]:
    """Every file of the project template, named as a bake names it."""
    return {
        path.relative_to(PROJECT_TEMPLATE_DIR).as_posix().replace(SLUG_PART, slug)
        for path in PROJECT_TEMPLATE_DIR.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def expected_files(answers: dict, slug: str) -> set[str]:
    hook = load_hook("post_gen_project")
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
