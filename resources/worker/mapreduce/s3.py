"""Remote input: list the v2 layout in an S3 bucket and fetch matching files.

Used with ``--bucket`` (and without ``--local-only``); its listing also
serves an ``s3://`` data dir (s3source.py). Needs boto3, which reads
credentials, region and endpoint (AWS_ENDPOINT_URL) the usual way. Listing
walks one layout level at a time with the '/' delimiter, so a selective
filter lists only the prefixes it can match. Files are fetched into
a cache directory that mirrors the bucket's keys; a cached file of the right
size is not fetched again, so a later run can point ``--data-dir`` at the
cache and add ``--local-only``.
"""

import os

from .inputs import DIRECTORY_LEVELS, InputFile, parse_file_name

# Parallel downloads, as the original framework's fetcher used.
DOWNLOAD_THREADS = 8


class S3Error(Exception):
    """boto3 is missing, or S3 refused or failed a request."""


def fetch_inputs(bucket, input_filter, cache_dir, skip_keys, log):
    """Fetch files of ``bucket`` that pass the filter; return them as InputFiles.

    ``skip_keys`` are keys already present in the local data dir.
    """
    from concurrent.futures import ThreadPoolExecutor  # here: slow to import, rarely needed

    try:
        import boto3
        import botocore.exceptions
    except ImportError:
        raise S3Error(
            "--bucket needs the boto3 package, which is not installed "
            "(install it with 'pip install boto3', or use --local-only)"
        ) from None
    try:
        client = boto3.client("s3")
        remote = [r for r in list_matching(client, bucket, input_filter) if r[0] not in skip_keys]
        log(f"{len(remote)} matching files in s3://{bucket} not present locally")
        with ThreadPoolExecutor(DOWNLOAD_THREADS) as pool:
            return list(pool.map(lambda r: _fetch(client, bucket, r, cache_dir), remote))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        raise S3Error(f"S3 bucket {bucket}: {e}") from None


def list_matching(client, bucket, input_filter, root="", pool=None, counter=None):
    """``(key, size, dims, compression, etag)`` for every matching object under ``root``, by key.

    Walks one layout level at a time with the '/' delimiter, keeping only the
    prefixes the filter allows, so a narrow filter lists only the prefixes it
    must; once every folder level below passes any value, each prefix is
    listed whole instead, without the delimiter (a page per 1000 keys rather
    than a listing per folder). The prefixes of a level are listed side by
    side on ``pool`` when given; ``counter`` (a list of one int) counts the
    prefixes listed.
    """
    paginator = client.get_paginator("list_objects_v2")

    def listing(prefix, flat):
        if counter is not None:
            counter[0] += 1
        commons, contents = [], []
        delimiter = {} if flat else {"Delimiter": "/"}
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix, **delimiter):
            commons += page.get("CommonPrefixes", [])
            contents += page.get("Contents", [])
        return commons, contents

    def listed(prefixes, flat=False):
        if pool is None or len(prefixes) < 2:
            return [listing(prefix, flat) for prefix, _ in prefixes]
        return list(pool.map(lambda p: listing(p[0], flat), prefixes))

    found = []

    def take(prefix, dims, contents):
        """Keep the data files of ``contents`` that pass the filter; ``dims``
        holds the directory levels above ``prefix``, the rest are in the keys."""
        depth = DIRECTORY_LEVELS - len(dims)
        for obj in contents:
            parts = obj["Key"][len(prefix) :].split("/")
            if len(parts) != depth + 1:
                continue
            folders = parts[:depth]
            # Such names would escape the cache dir when fetched.
            if any(name in ("", ".", "..") for name in folders):
                continue
            parsed = parse_file_name(parts[-1])
            if parsed is None:
                continue
            build, date, compression = parsed
            if input_filter.allows(4, build) and input_filter.allows(5, date):
                found.append((obj["Key"], obj["Size"], dims + tuple(folders) + (build, date), compression, obj.get("ETag", "")))

    prefixes = [(root, ())]
    for level in range(DIRECTORY_LEVELS):
        if all(input_filter.allows_any(deeper) for deeper in range(level, DIRECTORY_LEVELS)):
            for (prefix, dims), (_, contents) in zip(prefixes, listed(prefixes, flat=True)):
                take(prefix, dims, contents)
            found.sort()
            return found
        deeper = []
        for (prefix, dims), (common, _) in zip(prefixes, listed(prefixes)):
            for entry in common:
                name = entry["Prefix"][len(prefix) : -1]
                # Such names would escape the cache dir when fetched.
                if name in ("", ".", ".."):
                    continue
                if input_filter.allows(level, name):
                    deeper.append((entry["Prefix"], dims + (name,)))
        prefixes = deeper

    for (prefix, dims), (_, contents) in zip(prefixes, listed(prefixes)):
        take(prefix, dims, contents)
    found.sort()
    return found


def _fetch(client, bucket, remote, cache_dir):
    key, size, dims, compression, _etag = remote
    path = os.path.join(cache_dir, *key.split("/"))
    if not (os.path.isfile(path) and os.path.getsize(path) == size):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        partial = path + ".part"
        client.download_file(bucket, key, partial)
        os.replace(partial, path)
    return InputFile(path, dims, size, compression)
