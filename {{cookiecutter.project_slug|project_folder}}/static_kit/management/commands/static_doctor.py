"""python manage.py static_doctor: diagnose how this project stores and serves static files.

With --url it also fetches the live pages (and the admin's login page), every asset they
load and every url() in their stylesheets, and reports each asset's status, type, encoding,
caching, and whether its hashed name is this release's.

Each finding is one line, a verdict (ok, warn, fail), what was seen, and the fix. The exit
status is 1 if anything failed, so CI can gate a deploy on it. `--format json` for machines.
"""

import json
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ...doctor import CHECKS, FAIL, OK, WARN, diagnose, unused_groups

MARKS = {OK: "ok  ", WARN: "WARN", FAIL: "FAIL"}


class Command(BaseCommand):
    help = (
        "Diagnose static and media serving: settings, collected files, the web server's "
        "config, the bucket, and with --url the live site; each finding with its fix."
    )
    requires_system_checks = []  # it reports what the checks would refuse, with more detail

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--nginx-config",
            type=Path,
            help="a deployed site folder to compare with the settings, e.g. /etc/nginx/<project>",
        )
        parser.add_argument(
            "--only",
            action="append",
            choices=list(CHECKS),
            help="run only this group of checks (repeat for more), e.g. --only collected "
            "right after collectstatic in a deploy",
        )
        parser.add_argument(
            "--url",
            action="append",
            default=[],
            help="a live page to fetch with every asset it loads, e.g. https://example.com/ "
            "(repeat for more pages)",
        )

    def handle(self, *args, **options):
        for url in options["url"]:
            parts = urlsplit(url)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise CommandError(
                    f"--url {url!r} is not a page address: give the full URL, e.g. "
                    "--url https://example.com/"
                )
        only = options["only"] or []
        if options["url"] and only and "live" not in only:
            only.append("live")
        unused = unused_groups(options["url"])
        for group in only:
            if group in unused:
                raise CommandError(f"--only {group} checks nothing here: {unused[group]}.")
        try:
            findings = diagnose(options["nginx_config"], options["url"], only)
        except ImproperlyConfigured as error:  # settings it cannot run with: what to set, once
            raise CommandError(str(error)) from None
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
