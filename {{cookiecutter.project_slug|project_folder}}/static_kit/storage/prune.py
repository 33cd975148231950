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
  rolling out;
- every name a publish still running relies on: it says so before it reads the bucket
  (manifests/<release>.publishing, the manifest it is about to write), since it skips the
  objects it finds there, however old, and its manifest comes only at the end. The prune
  reads these with the manifests, and again just before it deletes objects; one older than
  PUBLISHING_LIFETIME is a publish that died, and goes.

Manifests are deleted first, then objects: a prune that stops half-way leaves objects that no
release names, never a release whose files are gone.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.management.base import CommandError

from .s3_cdn import PUBLISHING, named, published_keys
from .unhashed import MANIFEST_KEY

MANIFESTS, STATIC = "manifests/", "static/"
# How long a publish's list of the names it relies on is honoured: longer than any publish
# runs, however big or slow (one that died leaves its list behind; it protects for this long).
PUBLISHING_LIFETIME = 24 * 3600
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
    publishing: Iterable[dict] = (),
) -> Plan:
    """What goes: the manifests of the releases not `kept`, and the `objects` (static/ name ->
    its listing entry) that neither a kept manifest (release -> its JSON document) nor a
    publish still running (`publishing`: the manifests they will write) names, and that are
    older than `grace` seconds."""
    needed = names_of([manifests[release] for release in kept], publishing)
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


def names_of(*documents: Iterable[dict]) -> set[str]:
    """The static/ names the manifests `documents` name (hashed, and unhashed published)."""
    return set().union(
        *(named(doc.get("paths", {}), doc.get(MANIFEST_KEY)) for docs in documents for doc in docs)
    )


def read_document(client, bucket: str, key: str) -> dict | None:
    """The JSON object at `key`; None where it is gone since it was listed (a publish done, a
    prune beside this one)."""
    import json

    try:
        return json.loads(client.get_object(Bucket=bucket, Key=key)["Body"].read())
    except client.exceptions.NoSuchKey:
        return None


def publishing_now(client, bucket: str, now: datetime.datetime, listed=None) -> tuple:
    """The manifests that publishes still running will write (manifests/*.publishing, from
    `listed` or a listing of manifests/), and the keys of those older than PUBLISHING_LIFETIME,
    left by publishes that died."""
    if listed is None:
        listed = published_keys(client, bucket, MANIFESTS)
    documents, stale = [], []
    for name, entry in sorted(listed.items()):
        if not name.endswith(PUBLISHING):
            continue
        if (now - entry["LastModified"]).total_seconds() >= PUBLISHING_LIFETIME:
            stale.append(MANIFESTS + name)
            continue
        # A publish deletes its list once its manifest is written (or once it failed): a list
        # gone since the listing leaves that manifest to read in its place.
        document = read_document(client, bucket, MANIFESTS + name)
        if document is None:
            manifest = MANIFESTS + name.removesuffix(PUBLISHING) + ".json"
            document = read_document(client, bucket, manifest)
        if document is not None:
            documents.append(document)
    return documents, stale


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

    listed = published_keys(client, bucket, MANIFESTS)
    written = {
        name.removesuffix(".json"): entry["LastModified"]
        for name, entry in listed.items()
        if name.endswith(".json")
    }
    live = [*live, current] if current in written else list(live)
    now = datetime.datetime.now(datetime.UTC)
    kept = kept_releases(written, keep, live, now, grace)
    manifests = {}
    for release in kept:
        body = client.get_object(Bucket=bucket, Key=f"{MANIFESTS}{release}.json")["Body"].read()
        manifests[release] = json.loads(body)
    publishing, stale = publishing_now(client, bucket, now, listed)
    objects = published_keys(client, bucket, STATIC)
    plan = plan_prune(written, objects, manifests, kept, now, grace, publishing)
    if not dry_run:
        delete(client, bucket, [f"{MANIFESTS}{release}.json" for release in plan.releases])
        delete(client, bucket, stale)
        # A publish that began since the first read has listed itself before reading the
        # bucket, and if it is done already, written its manifest: read both again, just
        # before deleting. (One that begins in the moment the deletes take may still find an
        # object that then goes: its start-up check refuses it, naming the file, and
        # collectstatic puts it back.)
        again = published_keys(client, bucket, MANIFESTS)
        started, _ = publishing_now(client, bucket, now, again)
        for name, entry in sorted(again.items()):
            release = name.removesuffix(".json")
            if not name.endswith(".json") or (
                release in manifests and entry["ETag"] == listed[name]["ETag"]
            ):
                continue  # not a manifest, or a kept one as it was read
            # New, or written again since (a release this prune did not keep, republished).
            if (document := read_document(client, bucket, MANIFESTS + name)) is not None:
                started.append(document)
        relied_on = names_of(started)
        plan.objects = [name for name in plan.objects if name not in relied_on]
        plan.freed = sum(objects[name].get("Size", 0) for name in plan.objects)
        delete(client, bucket, [STATIC + name for name in plan.objects])
    return plan
