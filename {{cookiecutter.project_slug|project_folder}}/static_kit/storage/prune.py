"""Pruning an S3 + CDN bucket: the objects that no kept release's manifest names are deleted.

Every release publishes into the same static/ prefix and only adds to it (a hashed name never
changes content), then writes manifests/<release>.json last. Nothing else deletes, so without
pruning the bucket, and the listing each publish reads, grow with every release.
`manage.py static_prune` keeps:

- the newest `keep` releases (by when their manifest was written), every release named live,
  and the release of the process that prunes (DJANGO_RELEASE_ID, when it has a manifest);
- every object a kept manifest names: its hashed names, and the unhashed names it records
  as published beside them (STATIC_UNHASHED_NAMES when it was published; all of them for a
  manifest written before that record);
- everything written in the last `grace` seconds: a publish that is still running has
  uploaded files that no manifest names yet, and a release published a moment ago may be
  rolling out.

Manifests are deleted first, then objects: a prune that stops half-way leaves objects that no
release names, never a release whose files are gone.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.management.base import CommandError

from .s3_cdn import named, published_keys
from .unhashed import MANIFEST_KEY

MANIFESTS, STATIC = "manifests/", "static/"
# DeleteObjects takes at most 1,000 keys a request.
DELETE_BATCH = 1000


@dataclass
class Plan:
    kept: list[str]  # the releases kept, newest first
    releases: list[str] = field(default_factory=list)  # the releases whose manifest goes
    objects: list[str] = field(default_factory=list)  # the static/ names that go
    young: int = 0  # names no kept release has, left for the grace period
    freed: int = 0  # bytes


def kept_releases(
    written: dict[str, datetime.datetime],
    keep: int,
    live: Iterable[str],
    now: datetime.datetime | None = None,
    grace: float = 0,
) -> list:
    """The newest `keep` releases of `written` (release -> when its manifest was written),
    every `live` one and every one written in the last `grace` seconds (a deploy may be rolling
    it out), newest first. A live release without a manifest is a typo or a release that never
    finished publishing: nothing is deleted then."""
    if keep < 1:
        raise CommandError(f"--keep {keep} would keep no release: keep at least 1.")
    if not written:
        raise CommandError(
            "The bucket has no release manifest (manifests/*.json), so nothing would be kept: "
            "nothing was deleted. Publish a release first (collectstatic)."
        )
    missing = sorted(set(live) - set(written))
    if missing:
        raise CommandError(
            f"No manifest for the live release(s) {', '.join(missing)} in manifests/: nothing "
            "was deleted. Name each live release by its DJANGO_RELEASE_ID."
        )
    newest = sorted(written, key=lambda release: (written[release], release), reverse=True)
    recent = {r for r in written if now and (now - written[r]).total_seconds() < grace}
    chosen = set(newest[:keep]) | set(live) | recent
    return [release for release in newest if release in chosen]


def plan_prune(
    written: dict[str, datetime.datetime],
    objects: dict[str, dict],
    manifests: dict[str, dict],
    kept: list[str],
    now: datetime.datetime,
    grace: float,
) -> Plan:
    """What goes: the manifests of the releases not `kept`, and the `objects` (static/ name ->
    its listing entry) that no kept manifest (release -> its JSON document) names and that are
    older than `grace` seconds."""
    needed = set().union(
        *(
            named(manifests[release].get("paths", {}), manifests[release].get(MANIFEST_KEY))
            for release in kept
        )
    )
    plan = Plan(kept=kept, releases=sorted(set(written) - set(kept)))
    for name, entry in sorted(objects.items()):
        if name in needed:
            continue
        if (now - entry["LastModified"]).total_seconds() < grace:
            plan.young += 1
            continue
        plan.objects.append(name)
        plan.freed += entry.get("Size", 0)
    return plan


def delete(client, bucket: str, keys: list[str]) -> None:
    for start in range(0, len(keys), DELETE_BATCH):
        batch = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
        answer = client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        if answer.get("Errors"):
            first = answer["Errors"][0]
            raise CommandError(
                f"s3://{bucket} refused to delete {len(answer['Errors'])} object(s), e.g. "
                f"{first.get('Key')}: {first.get('Message') or first.get('Code')}. Nothing a kept "
                "release needs was touched; check the credentials' s3:DeleteObject permission."
            )


def prune(
    client,
    bucket: str,
    keep: int,
    live: Iterable[str],
    grace: float,
    dry_run: bool,
    current: str = "",
):
    """Read the bucket, decide (plan_prune), and unless `dry_run` delete: manifests first.
    `current`, the pruning process's release, is kept like a live one where it was published."""
    import json

    manifest_objects = {
        name.removesuffix(".json"): entry
        for name, entry in published_keys(client, bucket, MANIFESTS).items()
        if name.endswith(".json")
    }
    written = {release: entry["LastModified"] for release, entry in manifest_objects.items()}
    live = [*live, current] if current in written else list(live)
    now = datetime.datetime.now(datetime.UTC)
    kept = kept_releases(written, keep, live, now, grace)
    manifests = {}
    for release in kept:
        body = client.get_object(Bucket=bucket, Key=f"{MANIFESTS}{release}.json")["Body"].read()
        manifests[release] = json.loads(body)
    plan = plan_prune(written, published_keys(client, bucket, STATIC), manifests, kept, now, grace)
    if not dry_run:
        delete(client, bucket, [f"{MANIFESTS}{release}.json" for release in plan.releases])
        delete(client, bucket, [STATIC + name for name in plan.objects])
    return plan
