"""Runs several ``mapreduce.job`` command lines on one local Spark in one process.

    PYTHON spark_batch.py WORK_DIR < jobs.json > results.json

``jobs.json`` is a list of argument lists (what follows ``python3 -m
mapreduce.job``); each result is ``{"code": exit code, "stderr": text}``.
The tests use it to run the Spark engine under another Python (3.9) while
paying for the JVM's start once. mapreduce must be importable (PYTHONPATH).
"""

import contextlib
import io
import json
import os
import sys

from mapreduce import job
from mapreduce.spark import start_spark


def main():
    work = sys.argv[1]
    jobs = json.load(sys.stdin)
    sc, _owned = start_spark("local[2]", work, os.path.join(work, "spark.log"), app_name="spark_batch")
    results = []
    try:
        for argv in jobs:
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                code = job.main(argv)
            results.append({"code": code, "stderr": err.getvalue()})
    finally:
        sc.stop()
    json.dump({"python": list(sys.version_info[:3]), "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
