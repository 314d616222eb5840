"""An S3 data source: ``--data-dir s3://BUCKET[/PREFIX]``, the v2 layout under the prefix.

Needs boto3, which takes region and credentials from the environment the usual
way (AWS_PROFILE, AWS_REGION / AWS_DEFAULT_REGION, an instance profile on EC2,
AWS_ENDPOINT_URL). Listing walks the layout one level at a time and keeps only
the prefixes the filter allows (see s3.list_matching). Objects are fetched
into the cache (cache.py) by a bounded pool of threads; a fetch that breaks
off mid-body is tried again after an exponentially growing pause, on top of
botocore's own retries of throttling, 5xx answers and connection errors.

A source that cannot be read (access denied, no such bucket, wrong region, no
credentials) fails the job with exit code 4 and a message naming the bucket,
the caller's identity and what to fix. An object deleted or replaced after it
was listed is a bad file: counted, reported, and the job goes on.
"""

import os
import random
import re
import time
from typing import NamedTuple

from .errors import EXIT_CONFIG, EXIT_SOURCE, JobFailed
from .s3 import list_matching

# Downloads in flight at once.
FETCH_THREADS = 8

# Attempts at a download whose body breaks off, and the first pause between them.
FETCH_ATTEMPTS = 5
BACKOFF_S = 0.2

# Bytes written to the cache per read of a response body.
CHUNK = 1 << 20

# S3 bucket names (with the dots and capitals of older buckets allowed).
_BUCKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$")

_ACCESS_CODES = ("AccessDenied", "AllAccessDisabled", "403", "Forbidden")
_CREDENTIAL_CODES = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired")
_REGION_CODES = ("PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException", "301")


class RemoteObject(NamedTuple):
    key: str
    size: int
    dims: tuple
    compression: str
    etag: str


class ObjectGone(Exception):
    """The object was deleted or replaced after it was listed."""


class FetchStopped(Exception):
    """The job is ending; the download was abandoned."""


def parse_url(text):
    """``(bucket, prefix)`` of an ``s3://`` source, or None for a local folder.

    The prefix is empty or ends with '/'."""
    if not text.startswith("s3://"):
        return None
    bucket, _, prefix = text[len("s3://") :].partition("/")
    if not _BUCKET.match(bucket):
        raise JobFailed(
            EXIT_CONFIG,
            f"--data-dir {text}: '{bucket}' is not an S3 bucket name; write s3://BUCKET or s3://BUCKET/PREFIX",
        )
    prefix = prefix.strip("/")
    if any(part in ("", ".", "..") for part in prefix.split("/")) and prefix:
        raise JobFailed(EXIT_CONFIG, f"--data-dir {text}: the prefix has an empty, '.' or '..' part")
    return bucket, prefix + "/" if prefix else ""


class S3Source:
    def __init__(self, url, threads=FETCH_THREADS):
        self.url = url
        self.bucket, self.prefix = parse_url(url)
        try:
            import boto3
            import botocore.config
            import botocore.exceptions
        except ImportError:
            raise JobFailed(
                EXIT_SOURCE,
                f"--data-dir {url} needs the boto3 package, which is not installed here "
                "(install it with 'pip install boto3')",
            ) from None
        self._boto3 = boto3
        self._exc = botocore.exceptions
        self.session = boto3.session.Session()
        # Standard retries back off exponentially on throttling, 5xx and connection errors.
        config = botocore.config.Config(
            retries={"mode": "standard", "max_attempts": 8}, max_pool_connections=max(threads, FETCH_THREADS) + 2
        )
        self.client = self.session.client("s3", config=config)
        self._identity = None

    def location(self, key=""):
        return f"s3://{self.bucket}/{key}"

    def list(self, input_filter, pool=None):
        """``(objects, prefixes listed)``: the RemoteObjects matching the filter, by key."""
        counter = [0]
        try:
            found = list_matching(self.client, self.bucket, input_filter, self.prefix, pool, counter)
        except (self._exc.BotoCoreError, self._exc.ClientError) as e:
            raise self.explain(e, "ListBucket") from None
        return [RemoteObject(*row) for row in found], counter[0]

    def fetch(self, obj, temp, on_bytes, stopping):
        """Download ``obj`` into the file ``temp``; ``on_bytes(n)`` is told of
        every chunk. Raises ObjectGone, FetchStopped or JobFailed (exit 4)."""
        exc = self._exc
        for attempt in range(FETCH_ATTEMPTS):
            try:
                args = {"Bucket": self.bucket, "Key": obj.key}
                if obj.etag:
                    args["IfMatch"] = obj.etag
                body = self.client.get_object(**args)["Body"]
                with open(temp, "wb") as f:
                    for chunk in body.iter_chunks(CHUNK):
                        if stopping():
                            raise FetchStopped()
                        f.write(chunk)
                        on_bytes(len(chunk))
                written = os.path.getsize(temp)
                if written != obj.size:
                    raise ObjectGone(f"it has {written} bytes, not the {obj.size} listed; it changed after it was listed")
                return
            except exc.ClientError as e:
                code = _code(e)
                if code in ("NoSuchKey", "404", "NotFound"):
                    raise ObjectGone("it was deleted after it was listed") from None
                if code in ("PreconditionFailed", "412"):
                    raise ObjectGone("it was replaced after it was listed") from None
                raise self.explain(e, "GetObject", obj.key) from None
            except (exc.ResponseStreamingError, exc.ConnectionError, exc.IncompleteReadError, exc.ReadTimeoutError) as e:
                if attempt + 1 == FETCH_ATTEMPTS:
                    raise JobFailed(
                        EXIT_SOURCE,
                        f"{self.location(obj.key)}: the download broke off {FETCH_ATTEMPTS} times ({e}); "
                        "check the network to S3 and run the job again",
                    ) from None
                # Exponential backoff with jitter, so parallel downloads do not retry in step.
                time.sleep(BACKOFF_S * (2**attempt) * (0.5 + random.random()))

    def identity(self):
        """The caller's ARN, or a phrase saying why it is unknown."""
        if self._identity is None:
            try:
                import botocore.config

                sts = self.session.client(
                    "sts", config=botocore.config.Config(connect_timeout=5, read_timeout=5, retries={"max_attempts": 1})
                )
                self._identity = sts.get_caller_identity()["Arn"]
            except Exception as e:  # any failure only leaves the identity unnamed
                self._identity = f"an identity STS could not name ({_short(e)})"
        return self._identity

    def region(self):
        return self.client.meta.region_name or "us-east-1"

    def explain(self, error, action, key=None):
        """The JobFailed (exit 4) for a failed ``action`` on the bucket or ``key``."""
        exc = self._exc
        where = self.location(key) if key else self.location(self.prefix)
        if isinstance(error, exc.NoCredentialsError):
            return JobFailed(
                EXIT_SOURCE,
                f"{where}: no AWS credentials were found; set AWS_PROFILE (or AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY), or run where an instance profile provides them",
            )
        if isinstance(error, exc.EndpointConnectionError):
            return JobFailed(EXIT_SOURCE, f"{where}: S3 could not be reached ({_short(error)}); check the network and the region {self.region()}")
        if not isinstance(error, exc.ClientError):
            return JobFailed(EXIT_SOURCE, f"{where}: {action} failed: {_short(error)}")
        code = _code(error)
        bucket = self.bucket
        if code in _REGION_CODES:
            right = _bucket_region(error)
            if right:
                return JobFailed(
                    EXIT_SOURCE,
                    f"s3://{bucket}: the bucket is in {right}; set the region to it (AWS_REGION, or the "
                    f"profile's region in Settings), not {self.region()}",
                )
            return JobFailed(EXIT_SOURCE, f"s3://{bucket}: the bucket is in another region than {self.region()}; set the region to the bucket's")
        if code == "NoSuchBucket":
            return JobFailed(
                EXIT_SOURCE,
                f"s3://{bucket}: no such bucket (looked for by {self.identity()} in {self.region()}); check the bucket's name",
            )
        if code in _ACCESS_CODES:
            if action == "ListBucket":
                need = f"s3:ListBucket on arn:aws:s3:::{bucket}"
            else:
                need = f"s3:GetObject on arn:aws:s3:::{bucket}/{self.prefix}*"
            return JobFailed(
                EXIT_SOURCE,
                f"s3://{bucket}: access denied to {self.identity()} ({action} {where}); allow it {need} "
                "(in its IAM policy or the bucket's policy), or use a profile that has it",
            )
        if code in _CREDENTIAL_CODES:
            return JobFailed(
                EXIT_SOURCE,
                f"s3://{bucket}: the AWS credentials were refused ({code}); renew them or pick another profile",
            )
        message = error.response.get("Error", {}).get("Message") or ""
        return JobFailed(EXIT_SOURCE, f"{where}: {action} failed as {self.identity()}: {code} {message}".rstrip())


def _code(error):
    return str(error.response.get("Error", {}).get("Code", ""))


def _bucket_region(error):
    """The bucket's region as S3 tells it in a redirect or a region error."""
    response = error.response
    region = response.get("Error", {}).get("Region")
    if region:
        return region
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return headers.get("x-amz-bucket-region")


def _short(error):
    return " ".join(str(error).split())[:300]
