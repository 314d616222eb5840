"""A single-machine map/reduce runner for telemetry v2 data.

Compatible with telemetry-server's ``python -m mapreduce.job``: analysts'
existing job scripts (``map``, ``reduce``, ``combine``, ``setup_reduce``) and
input filters run unchanged. Python 3 standard library only; boto3 is used
only when ``--bucket`` asks for S3 input.

Modules:
    job        command line and orchestration (``python -m mapreduce.job``)
    filters    input filter loading, validation and matching
    inputs     finding v2-layout files and reading them as blocks of lines
    partition  stable key hashing and a canonical key order
    contexts   what map(), combine() and reduce() write to
    tasks      the mapper and reducer process bodies
    progress   the ``@progress`` lines on stderr (machine-readable status)
    script     loading the user's job script
    s3         listing and fetching remote input with boto3
"""
