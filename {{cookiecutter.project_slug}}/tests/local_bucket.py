"""A bucket for the tests: moto mocks the S3 API inside this process, nothing leaves it."""

import pytest
from django.conf import settings
from moto import mock_aws


@pytest.fixture(scope="session", autouse=True)
def local_bucket():
    with mock_aws():
        import boto3

        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=settings.S3_BUCKET)
        yield client
