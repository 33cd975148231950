"""A bucket for the tests: moto mocks the S3 API inside this process, nothing leaves it."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from moto import mock_aws


@pytest.fixture(scope="session", autouse=True)
def local_bucket():
    with mock_aws():
        import boto3

        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=settings.S3_BUCKET)
        # Set up as the README says, where the strategy ships the bucket's own rules.
        rules = Path(settings.BASE_DIR) / "deploy" / "s3_cdn"
        if (rules / "cors.json").exists():
            cors = json.loads((rules / "cors.json").read_text())
            client.put_bucket_cors(Bucket=settings.S3_BUCKET, CORSConfiguration=cors)
            policy = (rules / "bucket-policy.json").read_text()
            client.put_bucket_policy(Bucket=settings.S3_BUCKET, Policy=policy)
        yield client
