"""python -m bench [--rounds N] [--seconds S]: measure each goal and say met or not met."""

import argparse
import sys
import time

from docsgen import TEMPLATE_DIR

from .build import build_goal
from .growth import DEFAULT_SIZES, growth_goal, growth_s3_goal
from .publish import publish_goal
from .serving import nginx_goal, s3_cdn_goal, whitenoise_goal
from .suite import suite_goal

GOALS = {
    "whitenoise": whitenoise_goal,
    "nginx": nginx_goal,
    "s3_cdn": s3_cdn_goal,
    "build": build_goal,
    "publish": publish_goal,
    "growth": growth_goal,
    "growth_s3": growth_s3_goal,
    "suite": suite_goal,
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved A/B rounds per goal")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--files", type=int, default=2000, help="files in the build goal's tree")
    parser.add_argument(
        "--growth-sizes",
        default=DEFAULT_SIZES,
        help=f"source files in the growth goal's trees, comma-separated (default {DEFAULT_SIZES})",
    )
    parser.add_argument(
        "--tree-only",
        action="store_true",
        help="build and publish only the generated tree, not the apps' static files (smoke)",
    )
    parser.add_argument("--only", choices=list(GOALS), action="append", help="one goal group")
    options = parser.parse_args()
    work = TEMPLATE_DIR / ".cache" / "bench"
    results = []
    for name, goal in GOALS.items():
        if options.only and name not in options.only:
            continue
        started = time.monotonic()
        print(f"bench: {name} ({options.rounds} rounds)...", flush=True)
        results += goal(work, options)
        print(f"bench: {name} done in {time.monotonic() - started:.0f} s", flush=True)
    print()
    for result in results:
        print(result.line())
    missed = [result.name for result in results if not result.met]
    print(
        f"\n{len(results) - len(missed)} of {len(results)} goals met."
        + (f" Not met: {', '.join(missed)}." if missed else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
