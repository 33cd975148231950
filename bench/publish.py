"""The S3 publishing goals: collectstatic of the same tree to a bucket on a local S3 API (moto in
server mode on loopback), the stock way and the S3 + CDN variant's way.

A: django-storages' S3ManifestStaticStorage (hashes and rewrites in the bucket). B: the
variant's CDNManifestStaticFilesStorage (builds locally, uploads what the bucket lacks, manifest
last). Each side has its own bucket, behind one counting proxy. Per round: a first publish to
an empty bucket, the same tree and release again (a re-run of the same commit's job), then one
stylesheet changed (a new release). Goals: B's first publish <= 15% of A's time; B's unchanged
re-publish makes 0 uploads and takes <= 2% of A's; B's one-file change uploads only what changed
and what references it.
"""

import hashlib
import shutil
import statistics
from contextlib import contextmanager
from pathlib import Path

from harness.crawl import HASHED_NAME
from harness.servers import LOOPBACK, S3Proxy, free_port, run, running

from .build import change_stylesheet, collect, importers, with_storage, write_tree
from .measure import ratios, summary
from .serving import Goal, prepared

# django-storages' manifest storage on the variant's own bucket settings (DJANGO_S3_BUCKET).
STOCK = """{
    "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
    "OPTIONS": {**S3_CONNECTION, "location": "static", "querystring_auth": False},  # noqa: F405
}"""
# Each side's static storage: stock, and the variant's own.
SIDES = {"stock": STOCK, "generated": None}
CREATE_BUCKETS = """import boto3, os, sys
client = boto3.client("s3", endpoint_url=os.environ["DJANGO_S3_ENDPOINT_URL"],
                      region_name="us-east-1")
for name in sys.argv[1:]:
    client.create_bucket(Bucket=name)
"""
# moto takes any credentials; these never leave loopback.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}  # noqa: S105


class Publisher:
    """collectstatic of one project to one bucket, timed and counted through the proxy."""

    def __init__(self, project: Path, venv: Path, env: dict, proxy: S3Proxy, tree_only: bool):
        self.project, self.venv, self.env, self.proxy = project, venv, env, proxy
        self.settings = {
            side: with_storage(project, storage, tree_only, f"bench_settings_{side}")
            for side, storage in SIDES.items()
        }

    def root(self, side: str) -> Path:
        """The side's local STATIC_ROOT (the generated storage builds there)."""
        return self.project.parent / f"staticfiles-{side}"

    def publish(self, side: str, bucket: str, release: str) -> dict:
        before = dict(self.proxy.counts)
        env = {**self.env, **self.settings[side], "DJANGO_S3_BUCKET": bucket}
        seconds = collect(
            self.project, self.venv, {**env, "DJANGO_RELEASE_ID": release}, self.root(side), 1800
        )
        counts = {k: v - before.get(k, 0) for k, v in self.proxy.counts.items()}
        return {"seconds": seconds, **counts, "requests": sum(counts.values())}


@contextmanager
def counted_s3_api(project: Path, venv: Path, env: dict, name: str):
    """moto in server mode on loopback, behind the proxy that counts requests: (the
    environment that points the project at it, the proxy)."""
    moto_port = free_port()
    moto = [str(venv / "bin" / "moto_server"), "-H", LOOPBACK, "-p", str(moto_port)]
    with (
        running(moto, project, env, f"http://{LOOPBACK}:{moto_port}/", name),
        S3Proxy(f"http://{LOOPBACK}:{moto_port}") as proxy,
    ):
        yield (
            {
                **env,
                **CREDENTIALS,
                "DJANGO_S3_ENDPOINT_URL": proxy.url,
                "DJANGO_S3_ADDRESSING_STYLE": "path",
            },
            proxy,
        )


def publish_goal(work: Path, options) -> list[Goal]:
    rounds, files = options.rounds, options.files
    answers = {"serving_strategy": "s3_cdn", "media_storage": "none"}
    project, venv, env, _ = prepared(answers, work / "publish", collect=False)
    tree = write_tree(project / "static", files)
    results = {side: {"first": [], "again": [], "changed": []} for side in SIDES}
    with counted_s3_api(project, venv, env, "bench-moto") as (env, proxy):
        publisher = Publisher(project, venv, env, proxy, options.tree_only)
        changed = tree / "css" / "c0.css"
        for number in range(rounds):
            print(f"bench:   publish round {number + 1} of {rounds}", flush=True)
            buckets = {side: f"{side}-{number}" for side in SIDES}
            python = str(venv / "bin" / "python")
            run([python, "-c", CREATE_BUCKETS, *buckets.values()], project, env)
            for side, bucket in buckets.items():
                shutil.rmtree(publisher.root(side), ignore_errors=True)
                result = results[side]
                result["first"].append(publisher.publish(side, bucket, f"r{number}-first"))
                # The same tree and release again, as a re-run of the same commit's CI job.
                result["again"].append(publisher.publish(side, bucket, f"r{number}-first"))
                if side == "generated":
                    original = change_stylesheet(changed, str(number), 2)
                    before = snapshot(publisher.root(side))
                    result["changed"].append(publisher.publish(side, bucket, f"r{number}-changed"))
                    after = snapshot(publisher.root(side))
                    differing = {name for name in after if before.get(name) != after[name]}
                    result["changed"][-1]["differing"] = differing
                    changed.write_text(original)
    return goals(results, files)


def snapshot(root: Path) -> dict[str, str]:
    """Every file under `root` by name, with its MD5."""
    return {
        path.relative_to(root).as_posix(): hashlib.md5(path.read_bytes()).hexdigest()  # noqa: S324
        for path in root.rglob("*")
        if path.is_file()
    }


def goals(results: dict, files: int) -> list[Goal]:
    median = statistics.median

    def seconds(side, phase):
        return [r["seconds"] for r in results[side][phase]]

    def ratio(phase):
        return ratios(seconds("stock", phase), seconds("generated", phase))

    def puts(side, phase):
        return median(r.get("PUT", 0) for r in results[side][phase])

    def line(phase):
        return (
            f"generated {median(seconds('generated', phase)):.1f} s, "
            f"{puts('generated', phase):.0f} uploads, "
            f"{median(r['requests'] for r in results['generated'][phase]):.0f} requests; stock "
            f"{median(seconds('stock', phase)):.1f} s, {puts('stock', phase):.0f} uploads, "
            f"{median(r.get('DELETE', 0) for r in results['stock'][phase]):.0f} deletes, "
            f"{median(r['requests'] for r in results['stock'][phase]):.0f} requests: "
            f"{summary(ratio(phase), '{:.1%}')}"
        )

    # Allowed to change: c0 (edited) and the stylesheets that @import it, nothing else; each
    # hashed file that changed in the local build is uploaded once, plus the release manifest,
    # twice: first as the names a prune must keep while the publish runs (prune.py), then for
    # good (unhashed copies are not published: STATIC_UNHASHED_NAMES is empty).
    allowed = {"c0", *(f"c{n}" for n in importers(0))}
    changed = results["generated"]["changed"]
    changed_puts = [r.get("PUT", 0) for r in changed]
    expected = [sum(1 for n in r["differing"] if HASHED_NAME.search(n)) + 2 for r in changed]
    only_those = all(
        Path(name).name.split(".")[0] in allowed for r in changed for name in r["differing"]
    )
    return [
        Goal(
            "publish.first",
            f"first publish of {files} files to an empty bucket: <= 15% of the stock time",
            median(ratio("first")) <= 0.15,
            line("first"),
        ),
        Goal(
            "publish.unchanged",
            "re-publishing the same tree: 0 uploads and <= 2% of the stock time",
            median(ratio("again")) <= 0.02 and puts("generated", "again") == 0,
            line("again"),
        ),
        Goal(
            "publish.one_file_changed",
            "one stylesheet changed: only it and the stylesheets that @import it are uploaded",
            changed_puts == expected and only_those,
            f"uploads per round: {changed_puts}; hashed files that changed in the build, plus the "
            f"manifest and its list while publishing: {expected}; all of them c0 or its importers "
            f"({sorted(allowed)}): "
            f"{only_those}",
        ),
    ]
