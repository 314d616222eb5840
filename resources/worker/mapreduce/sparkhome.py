"""Finds pyspark in a Spark installation that is not on Python's path.

On an EMR node Spark is installed in /usr/lib/spark (its SPARK_HOME), with
its Python library in python/ and py4j as a zip in python/lib, and the
node's python3 has neither on its path. When ``import pyspark`` would fail,
add_spark_python() puts them first on sys.path and on PYTHONPATH (which the
Python processes Spark starts inherit), as findspark does, and sets
SPARK_HOME so pyspark starts that installation's JVM. A pyspark Python can
import already is left alone.

Run as a program (``python3 sparkhome.py``, or its text with ``-c``) it
prints the version of the pyspark found, or fails as ``import pyspark``
does: the app checks a worker's Spark with it.

Standard library only; Python 3.6 and newer.
"""

import glob
import importlib.util
import os
import sys

# Where Spark is installed when SPARK_HOME does not say: EMR's place for it.
DEFAULT_SPARK_HOMES = ("/usr/lib/spark",)

# Masters whose executors run in the driver's JVM and so read its files.
SHARED_FILES_MASTERS = ("local",)


def shares_driver_files(master, masters=SHARED_FILES_MASTERS):
    """Whether the executors of the Spark ``master`` read the driver's files:
    ``local`` and ``local[N]``, not ``local-cluster[...]`` (executors in JVMs
    of their own, as on a cluster) nor ``yarn`` or ``spark://...``."""
    return any(master == m or master.startswith(m + "[") for m in masters)


def spark_homes():
    """SPARK_HOME first when it is set, then the usual places."""
    home = os.environ.get("SPARK_HOME")
    homes = [home] if home else []
    return homes + [h for h in DEFAULT_SPARK_HOMES if h not in homes]


def spark_python(home):
    """The paths that make ``import pyspark`` work from the installation at ``home``, or None."""
    python = os.path.join(home, "python")
    if not os.path.isfile(os.path.join(python, "pyspark", "__init__.py")):
        return None
    py4j = sorted(glob.glob(os.path.join(python, "lib", "py4j-*-src.zip")))
    if not py4j:
        return None
    return [python, py4j[-1]]


def add_spark_python():
    """Makes pyspark importable from a Spark installation when it is not already.

    Returns the SPARK_HOME it was found in, or None (found already, or nowhere).
    """
    if importlib.util.find_spec("pyspark") is not None:
        return None
    for home in spark_homes():
        paths = spark_python(home)
        if paths is None:
            continue
        sys.path[:0] = paths
        inherited = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join(paths + ([inherited] if inherited else []))
        os.environ["SPARK_HOME"] = home
        importlib.invalidate_caches()
        return home
    return None


def main():
    add_spark_python()
    import pyspark

    print(pyspark.__version__)


if __name__ == "__main__":
    main()
