"""python manage.py static_prune: delete the static files no kept release needs (S3 + CDN).

    python manage.py static_prune --keep 10 --live "$LIVE_RELEASE" --dry-run

Keeps the newest --keep releases, each --live one and this process's DJANGO_RELEASE_ID, every
object their manifests name, whatever was written in the last --grace seconds (a rollout
still running), and every name a publish still running relies on (storage/prune.py).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = (
        "S3 + CDN: delete the release manifests and static objects that no kept release "
        "needs (the newest --keep, each --live one, and this DJANGO_RELEASE_ID)."
    )
    requires_system_checks = []  # it reads the bucket, not the local build

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep", type=int, default=5, help="the newest releases to keep (default 5)"
        )
        parser.add_argument(
            "--live",
            action="append",
            default=[],
            metavar="RELEASE",
            help="a release that is serving now, kept however old (repeat for each)",
        )
        parser.add_argument(
            "--grace",
            type=float,
            default=3600,
            metavar="SECONDS",
            help="releases and objects written this recently are kept (default 3600: a "
            "publish or a rollout may still be running)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would go; delete nothing"
        )

    def handle(self, *args, **options):
        config = settings.STORAGES["staticfiles"]
        if not hasattr(import_string(config["BACKEND"]), "published_location"):
            raise CommandError(
                "static_prune prunes an S3 + CDN bucket, and this project's static files are "
                "not published to one: each nginx release is pruned by deploy/nginx/deploy.sh "
                "prune, and WhiteNoise serves only the current build."
            )
        if options["grace"] < 0:
            raise CommandError(
                f"--grace {options['grace']:g} is negative: give seconds, e.g. 3600."
            )
        from botocore.exceptions import BotoCoreError, ClientError  # S3 projects only

        from ...storage.prune import prune
        from ...storage.s3 import S3Storage

        # The bucket's client, without the static storage, which needs DJANGO_RELEASE_ID (and
        # reads that release's manifest): a prune needs neither.
        s3 = config.get("OPTIONS", {}).get("s3", {})
        bucket = s3["bucket_name"]
        client = S3Storage(**s3).connection.meta.client
        try:
            plan = prune(
                client,
                bucket,
                options["keep"],
                options["live"],
                options["grace"],
                options["dry_run"],
                current=settings.RELEASE_ID,
            )
        except (BotoCoreError, ClientError) as error:
            raise CommandError(
                f"Pruning s3://{bucket} failed: {error}. Manifests go before objects, so no "
                "kept release lost a file; check DJANGO_S3_ENDPOINT_URL, the bucket and the "
                "credentials, then run static_prune again."
            ) from error
        verb = "would delete" if options["dry_run"] else "deleted"
        self.stdout.write(
            f"s3://{bucket}: kept {len(plan.kept)} release(s) ({', '.join(plan.kept)}); {verb} "
            f"{len(plan.releases)} manifest(s) and {len(plan.objects)} static object(s) "
            f"({plan.freed / 1e6:.1f} MB); {plan.young} unnamed object(s) newer than "
            f"{options['grace']:g} s left for a publish that may still be running."
        )
