"""management/commands/collectstatic.py: Django's command, whose bookkeeping scans no list."""

from django.core.management import get_commands, load_command_class


class Counted(str):
    """A name that counts how often it is compared."""

    comparisons = 0

    def __eq__(self, other):
        Counted.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_manage_py_runs_this_collectstatic_and_its_lookups_compare_no_list():
    """Django's `name in self.unmodified_files` compared each name with every one before it:
    quadratic, 2.5 of a 7 s re-run at 20,000 files."""
    assert get_commands()["collectstatic"] == "static_kit"
    command = load_command_class("static_kit", "collectstatic")
    for names in (command.copied_files, command.symlinked_files, command.unmodified_files):
        for number in range(1000):
            names.append(Counted(f"css/f{number}.css"))
        Counted.comparisons = 0
        assert "css/new.css" not in names and "css/f999.css" in names
        assert Counted.comparisons <= 2, f"{Counted.comparisons} comparisons for two lookups"
        assert len(names) == 1000 and names[0] == "css/f0.css"  # still the list it reports
