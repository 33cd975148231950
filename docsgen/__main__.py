"""python -m docsgen: bake the variants and write the generated reference for the guide."""

from . import OUTPUT_DIR
from .bake import DEFAULT_VARIANT, bake_variants
from .measurements import browser_results
from .reference import write_reference, write_setting_parts
from .switch import switch_table
from .tested import what_we_test


def main() -> None:
    projects = bake_variants(OUTPUT_DIR / "baked")
    write_reference(projects, DEFAULT_VARIANT, OUTPUT_DIR / "generated")
    write_setting_parts(projects, OUTPUT_DIR / "parts")
    (OUTPUT_DIR / "generated" / "browser.md").write_text(browser_results(), encoding="utf-8")
    (OUTPUT_DIR / "generated" / "switch.md").write_text(switch_table(projects), encoding="utf-8")
    (OUTPUT_DIR / "generated" / "tested.md").write_text(what_we_test(), encoding="utf-8")
    print(f"docsgen: {len(projects)} variants baked and the reference written to {OUTPUT_DIR}")


if __name__ == "__main__":
    main()
