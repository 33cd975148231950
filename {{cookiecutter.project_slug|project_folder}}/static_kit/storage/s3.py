"""django-storages' S3Storage, with one botocore data loader for the whole process.

django-storages makes a new boto3 session for every connection (per storage, per thread,
signed and unsigned), and each new session parses botocore's S3 service model again: about
0.1 s of CPU a connection, paid at every start-up and on every thread's first request. The
parsed model never changes, so the sessions here share the loader that holds it; credentials,
profiles and configuration stay per session exactly as django-storages sets them.

The hook is S3Storage._create_session, the one method here that is not django-storages' public
API: it is the only place a session is made. static_kit/tests/test_s3_sessions.py fails if a
django-storages release stops calling it (the loader would no longer be shared).
"""

import threading

import boto3
import botocore.loaders
import botocore.session
from storages.backends.s3 import S3Storage as StockS3Storage

_loader = None
_lock = threading.Lock()


def shared_loader() -> botocore.loaders.Loader:
    """This process's botocore data loader (made on first use)."""
    global _loader  # noqa: PLW0603 (one per process, on purpose)
    with _lock:
        if _loader is None:
            _loader = botocore.loaders.create_loader()
        return _loader


def new_session(**credentials) -> boto3.Session:
    """A boto3 session, as boto3.Session(**credentials) makes it, on the shared loader."""
    loader = shared_loader()
    core = botocore.session.get_session()
    core.register_component("data_loader", loader)
    with _lock:
        session = boto3.Session(botocore_session=core, **credentials)
        # Each new session appends boto3's data folder to the loader's search path: kept once.
        paths = loader.search_paths
        paths[:] = dict.fromkeys(paths)
    return session


class S3Storage(StockS3Storage):
    """S3Storage whose connections share this process's parsed service model."""

    def _create_session(self):
        # As django-storages does: a profile name wins over keys found elsewhere.
        if self.session_profile:
            return new_session(profile_name=self.session_profile)
        return new_session(
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            aws_session_token=self.security_token,
        )
