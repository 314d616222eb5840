"""mapreduce.sparkhome: pyspark found in a Spark installation laid out as on EMR.

Each case runs a fresh Python without site-packages (``-S``), so no pyspark
is importable but the one the case lays out: a SPARK_HOME with python/pyspark
and python/lib/py4j-*-src.zip, as /usr/lib/spark is on an EMR node.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest
import zipfile

from .support import WORKER_DIR

SPARKHOME = os.path.join(WORKER_DIR, "mapreduce", "sparkhome.py")

# Imports pyspark after the discovery and says what it found and what it set.
PROBE = """
import json, os, sys
sys.path.insert(0, {worker!r})
from mapreduce.sparkhome import add_spark_python
home = add_spark_python()
import pyspark, py4j
print(json.dumps({{"home": home, "version": pyspark.__version__, "pyspark": pyspark.__file__, "py4j": py4j.__file__,
                   "SPARK_HOME": os.environ.get("SPARK_HOME"), "PYTHONPATH": os.environ.get("PYTHONPATH")}}))
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def spark_home(root, version="3.5.2-amzn-0", py4j=True):
    """A Spark installation as EMR lays it out, its pyspark saying ``version``."""
    write(os.path.join(root, "python", "pyspark", "__init__.py"), f"__version__ = {version!r}\n")
    if py4j:
        os.makedirs(os.path.join(root, "python", "lib"))
        with zipfile.ZipFile(os.path.join(root, "python", "lib", "py4j-0.10.9.7-src.zip"), "w") as z:
            z.writestr("py4j/__init__.py", "")
    return root


class SparkHomeTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="sparkhome-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name

    def run_python(self, args, **env):
        clean = {k: v for k, v in os.environ.items() if k not in ("SPARK_HOME", "PYTHONPATH")}
        clean.update(env)
        return subprocess.run([sys.executable, "-S", *args], env=clean, capture_output=True, text=True, timeout=60)

    def probe(self, **env):
        result = self.run_python(["-c", PROBE.format(worker=WORKER_DIR)], **env)
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def test_finds_pyspark_and_py4j_under_spark_home(self):
        home = spark_home(os.path.join(self.tmp, "spark"))
        found = self.probe(SPARK_HOME=home)
        python = os.path.join(home, "python")
        py4j = os.path.join(python, "lib", "py4j-0.10.9.7-src.zip")
        self.assertEqual(found["home"], home)
        self.assertEqual(found["version"], "3.5.2-amzn-0")
        self.assertEqual(found["pyspark"], os.path.join(python, "pyspark", "__init__.py"))
        self.assertTrue(found["py4j"].startswith(py4j + os.sep), found["py4j"])
        self.assertEqual(found["SPARK_HOME"], home)
        # The Python processes Spark starts inherit the same paths.
        self.assertEqual(found["PYTHONPATH"], os.pathsep.join([python, py4j]))

    def test_keeps_what_pythonpath_had_after_the_spark_paths(self):
        home = spark_home(os.path.join(self.tmp, "spark"))
        found = self.probe(SPARK_HOME=home, PYTHONPATH="/opt/runtime")
        self.assertEqual(found["PYTHONPATH"].split(os.pathsep)[-1], "/opt/runtime")
        self.assertEqual(found["PYTHONPATH"].split(os.pathsep)[0], os.path.join(home, "python"))

    def test_a_pyspark_python_already_imports_is_left_alone(self):
        home = spark_home(os.path.join(self.tmp, "spark"))
        own = os.path.join(self.tmp, "site")
        write(os.path.join(own, "pyspark", "__init__.py"), "__version__ = '3.5.9'\n")
        write(os.path.join(own, "py4j", "__init__.py"), "")
        found = self.probe(SPARK_HOME=home, PYTHONPATH=own)
        self.assertIsNone(found["home"])
        self.assertEqual(found["version"], "3.5.9")
        self.assertEqual(found["PYTHONPATH"], own)

    def test_an_installation_without_py4j_is_not_used(self):
        home = spark_home(os.path.join(self.tmp, "spark"), py4j=False)
        result = self.run_python([SPARKHOME], SPARK_HOME=home)
        self.assertNotEqual(result.returncode, 0)
        self.assertEqual(result.stderr.strip().splitlines()[-1], "ModuleNotFoundError: No module named 'pyspark'")

    def test_as_a_program_it_prints_the_version_or_fails_as_import_does(self):
        home = spark_home(os.path.join(self.tmp, "spark"))
        found = self.run_python([SPARKHOME], SPARK_HOME=home)
        self.assertEqual((found.returncode, found.stdout, found.stderr), (0, "3.5.2-amzn-0\n", ""))
        missing = self.run_python([SPARKHOME])
        self.assertNotEqual(missing.returncode, 0)
        self.assertEqual(missing.stderr.strip().splitlines()[-1], "ModuleNotFoundError: No module named 'pyspark'")


if __name__ == "__main__":
    unittest.main()
