"""static_kit's S3 connections: their settings checked, timeouts of seconds; every one reuses
this process's parsed S3 model, and each still signs with its own storage's credentials, as
django-storages' own storage does."""

import threading
from urllib.parse import parse_qs, urlsplit

import pytest

from static_kit.storage.s3 import (
    S3Storage,
    checked_connection,
    client_config,
    new_session,
    shared_loader,
)

OPTIONS = {"bucket_name": "b", "region_name": "us-east-1", "endpoint_url": "http://127.0.0.1:9"}


def signed_key(storage: S3Storage) -> str:
    """The access key a signed URL of `storage` carries (no request is sent)."""
    url = storage.connection.meta.client.generate_presigned_url(
        "get_object", Params={"Bucket": "b", "Key": "k"}
    )
    query = parse_qs(urlsplit(url).query)
    if "X-Amz-Credential" in query:  # SigV4: KEY/date/region/s3/aws4_request
        return query["X-Amz-Credential"][0].split("/")[0]
    return query["AWSAccessKeyId"][0]


def test_connections_share_one_loader_and_it_does_not_grow():
    storages = [S3Storage(**OPTIONS, access_key=f"key{n}", secret_key="s") for n in range(5)]
    clients = {id(storage.connection.meta.client) for storage in storages}
    assert len(clients) == 5, "each storage still has its own client"
    loader = shared_loader()
    paths = list(loader.search_paths)
    for storage in storages:
        session = storage._create_session()  # noqa: SLF001 (what django-storages calls)
        assert session._session.get_component("data_loader") is loader  # noqa: SLF001
        storage.unsigned_connection  # noqa: B018 (builds the unsigned one too)
    assert loader.search_paths == paths, "each session added a search path again"
    assert len(set(paths)) == len(paths), paths


def test_each_storage_signs_with_its_own_keys():
    first = S3Storage(**OPTIONS, access_key="FIRSTKEY", secret_key="s1")
    second = S3Storage(**OPTIONS, access_key="SECONDKEY", secret_key="s2")
    assert (signed_key(first), signed_key(second)) == ("FIRSTKEY", "SECONDKEY")


def test_a_profile_names_the_keys(tmp_path, monkeypatch):
    config = tmp_path / "credentials"
    config.write_text(
        "[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = y\n"
        "[site]\naws_access_key_id = PROFILEKEY\naws_secret_access_key = x\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(config))
    assert signed_key(S3Storage(**OPTIONS, session_profile="site")) == "PROFILEKEY"


def test_threads_get_their_own_connections_on_the_shared_loader():
    storage = S3Storage(**OPTIONS, access_key="k", secret_key="s")
    connections = []
    threads = [
        threading.Thread(target=lambda: connections.append(storage.connection)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(connection) for connection in connections}) == 2
    assert new_session()._session.get_component("data_loader") is shared_loader()  # noqa: SLF001


@pytest.mark.parametrize(
    ("endpoint", "style", "says"),
    [
        ("127.0.0.1:9000", "path", "give its scheme and host"),
        ("s3.example.com", "virtual", "give its scheme and host"),
        ("https://s3.example.com/assets", "virtual", "ends in the bucket's name"),
        ("", "paht", "is not virtual, path or auto"),
    ],
)
def test_an_endpoint_botocore_would_stop_on_is_refused_naming_the_setting(endpoint, style, says):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match=says):
        checked_connection(endpoint, style, "assets")


@pytest.mark.parametrize(
    "endpoint", ["", "http://127.0.0.1:9000", "https://ref.supabase.co/storage/v1/s3"]
)
def test_endpoints_of_s3_apis_pass(endpoint):
    checked_connection(endpoint, "path", "assets")
    checked_connection(endpoint, "path", "storage")  # a bucket named as a folder of the path
    checked_connection(endpoint, "path", "")


def test_the_connections_give_up_in_seconds_and_sign_with_sigv4():
    """An endpoint that takes the connection and never answers held a start for 3 minutes."""
    config = client_config("", "path", "assets", proxies={"https": "http://proxy:3128"})
    assert config.connect_timeout <= 5 and config.read_timeout <= 15
    assert config.s3 == {"addressing_style": "path"} and config.signature_version == "s3v4"
    assert config.proxies == {"https": "http://proxy:3128"}
