"""The session's SeaweedFS and its per-test buckets (tests/support/fixtures.py, s3server.py).

Tests share one server per session (per xdist worker) and are isolated by bucket: every bucket
handed out is new and empty, sees nothing of other buckets, and the server holds data in as many
buckets as the suite makes (weed's defaults hold two).
"""

from __future__ import annotations

import re

import pytest

from tests.support.fixtures import BucketFactory
from tests.support.s3server import S3Bucket, S3Error, SeaweedS3

pytestmark = pytest.mark.integration


def test_a_bucket_is_new_empty_and_named_after_its_test(s3_bucket: S3Bucket) -> None:
    assert s3_bucket.name.startswith("a-bucket-is-new-empty-and-named-after-")
    assert s3_bucket.list_objects() == []
    s3_bucket.server.put_object(s3_bucket.name, "left/behind", b"by this test")
    assert s3_bucket.keys() == {"left/behind"}


def test_buckets_do_not_see_each_other(s3_server: SeaweedS3, s3_buckets: BucketFactory) -> None:
    # more buckets with data than weed's default volume settings allow (two)
    buckets = [s3_buckets("isolated") for _ in range(4)]
    assert len({b.name for b in buckets}) == 4
    for i, bucket in enumerate(buckets):
        assert bucket.list_objects() == []
        s3_server.put_object(bucket.name, f"db/{i}", str(i).encode())
    for i, bucket in enumerate(buckets):
        objects = bucket.list_objects()
        assert [(o.key, o.size) for o in objects] == [(f"db/{i}", 1)]


def test_an_existing_bucket_is_never_handed_out_again(s3_server: SeaweedS3) -> None:
    bucket = s3_server.new_bucket("taken")
    with pytest.raises(S3Error) as raised:
        s3_server.make_bucket(bucket.name)
    assert raised.value.status == 409
    assert s3_server.new_bucket("taken").name != bucket.name


@pytest.mark.parametrize(
    ("hint", "pattern"),
    [
        ("k8up", r"k8up-\d+"),
        ("Test_Name[with.Params]", r"test-name-with-params-\d+"),
        ("--", r"bucket-\d+"),
        ("x" * 80, r"x{50,61}-\d+"),
    ],
)
def test_bucket_names_are_valid_s3_names(s3_server: SeaweedS3, hint: str, pattern: str) -> None:
    name = s3_server.new_bucket(hint).name  # PUT Bucket refuses invalid names (HTTP 400)
    assert re.fullmatch(pattern, name)
    assert 3 <= len(name) <= 63
