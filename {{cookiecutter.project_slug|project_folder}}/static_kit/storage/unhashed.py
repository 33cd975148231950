"""Which collected files are also published under their unhashed name.

Pages link hashed names only (the static template tag adds the hash), so an unhashed copy
(css/site.css beside css/site.3f2a1c9b7e4d.css) is needed only by code that builds a static
URL itself at run time: TinyMCE loads its plugins and skins from beside its script, pdf.js
its worker, some map libraries their marker images. STATIC_UNHASHED_NAMES lists those files
by glob ("tinymce/*"); nothing by default.

Where it counts: S3 + CDN uploads only the listed unhashed names (it uploaded two objects per
file), and WhiteNoise indexes only them besides the hashed names (two URLs per file, in every
worker's memory and start-up). Nginx serves STATIC_ROOT from disk as it is: an unhashed copy
there costs nothing per request or at start, and collectstatic reads it as the record of what
was copied.

A release's manifest records the names published for it ("unhashed"), so a prune keeps what
each kept release published, whatever the setting says today. A manifest written before this
record existed had every unhashed name published.
"""

from django.conf import settings
from django.contrib.staticfiles.utils import matches_patterns

# The key of the release manifest that lists its unhashed names.
MANIFEST_KEY = "unhashed"


def patterns() -> list[str]:
    return list(getattr(settings, "STATIC_UNHASHED_NAMES", []))


def keeps_unhashed(name: str, globs: list[str] | None = None) -> bool:
    """Whether STATIC_UNHASHED_NAMES (or `globs`) keeps the collected file `name` unhashed."""
    return matches_patterns(name, patterns() if globs is None else globs)


def unhashed_names(manifest: dict[str, str], globs: list[str] | None = None) -> set[str]:
    """The names of `manifest` (name -> hashed name) that STATIC_UNHASHED_NAMES (or `globs`)
    keeps unhashed."""
    globs = patterns() if globs is None else globs
    return {name for name in manifest if keeps_unhashed(name, globs)} if globs else set()


def unmatched_patterns(manifest: dict[str, str], globs: list[str] | None = None) -> list[str]:
    """The globs that match no collected file: a typo, or an app no longer installed."""
    globs = patterns() if globs is None else globs
    return [glob for glob in globs if not any(keeps_unhashed(name, [glob]) for name in manifest)]
