"""python manage.py static_doctor: diagnose how this project stores and serves static files.

Each finding is one line, a verdict (ok, warn, fail), what was seen, and the fix. The exit
status is 1 if anything failed, so CI can gate a deploy on it. `--format json` for machines.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from ...doctor import FAIL, OK, WARN, diagnose

MARKS = {OK: "ok  ", WARN: "WARN", FAIL: "FAIL"}


class Command(BaseCommand):
    help = "Diagnose static and media serving: settings and collected files, with fixes."
    requires_system_checks = []  # it reports what the checks would refuse, with more detail

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--nginx-config",
            type=Path,
            help="a deployed site folder to compare with the settings, e.g. /etc/nginx/<project>",
        )

    def handle(self, *args, **options):
        findings = diagnose(options["nginx_config"])
        failed = [finding for finding in findings if finding.verdict == FAIL]
        if options["format"] == "json":
            report = {"ok": not failed, "findings": [f.as_dict() for f in findings]}
            self.stdout.write(json.dumps(report, indent=2))
        else:
            for finding in findings:
                line = f"{MARKS[finding.verdict]}  {finding.check}: {finding.seen}"
                if finding.verdict != OK and finding.fix:
                    line += f"\n      fix: {finding.fix}"
                style = self.style.ERROR if finding.verdict == FAIL else self.style.SUCCESS
                self.stdout.write(style(line) if finding.verdict != WARN else line)
            verdict = f"{len(failed)} check(s) failed." if failed else "All checks passed."
            self.stdout.write(verdict)
        if failed:
            raise SystemExit(1)
