"""resources/worker/run_outputs.py: a run's output folder listed as the app reads it, and output
folders that lead out of the run through a link refused."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "worker", "run_outputs.py")


def list_outputs(output_dir, run_dir):
    """Runs the program as the app does: its text through `python3 -c`, the folders as arguments."""
    with open(SCRIPT, encoding="utf-8") as f:
        program = f.read()
    return subprocess.run([sys.executable, "-c", program, output_dir, run_dir], capture_output=True, text=True, timeout=60)


class RunOutputsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="run-outputs-")
        self.root = os.path.realpath(self.dir.name)
        self.run_dir = os.path.join(self.root, "runs", "r1")
        self.secrets = os.path.join(self.root, "aws")
        os.makedirs(os.path.join(self.run_dir, "code"))
        os.makedirs(self.secrets)
        with open(os.path.join(self.secrets, "credentials"), "w") as f:
            f.write("[default]\naws_secret_access_key = hunter2\n")

    def tearDown(self):
        self.dir.cleanup()

    def write(self, relative, data):
        path = os.path.join(self.run_dir, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    def test_lists_regular_files_sorted_with_sizes_and_slash_separated_paths(self):
        self.write("output/z.csv", b"x,1\n")
        self.write("output/a b/n\u00e9e.txt", b"hello")
        self.write("output/a b/deeper/c.bin", b"")
        result = list_outputs(os.path.join(self.run_dir, "output"), self.run_dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), [["a b/deeper/c.bin", 0], ["a b/n\u00e9e.txt", 5], ["z.csv", 4]])

    def test_links_inside_the_output_are_left_out(self):
        self.write("output/kept.txt", b"kept")
        output = os.path.join(self.run_dir, "output")
        os.symlink(os.path.join(self.secrets, "credentials"), os.path.join(output, "creds"))
        os.symlink(self.secrets, os.path.join(output, "aws"))
        result = list_outputs(output, self.run_dir)
        self.assertEqual(json.loads(result.stdout), [["kept.txt", 4]])

    def test_an_output_folder_that_is_a_link_out_of_the_run_is_refused_with_where_it_leads(self):
        output = os.path.join(self.run_dir, "output")
        os.symlink(self.secrets, output)
        result = list_outputs(output, self.run_dir)
        self.assertEqual(result.returncode, 4)
        self.assertEqual(result.stdout.strip(), self.secrets)
        self.assertNotIn("hunter2", result.stdout)

    def test_a_linked_folder_on_the_way_out_of_the_run_is_refused(self):
        os.symlink(self.root, os.path.join(self.run_dir, "code", "results"))
        result = list_outputs(os.path.join(self.run_dir, "code", "results", "aws"), self.run_dir)
        self.assertEqual(result.returncode, 4)
        self.assertEqual(result.stdout.strip(), self.secrets)

    def test_the_run_folder_itself_is_not_inside_the_run(self):
        result = list_outputs(self.run_dir, self.run_dir)
        self.assertEqual(result.returncode, 4)

    def test_a_folder_that_is_not_there_exits_3(self):
        result = list_outputs(os.path.join(self.run_dir, "output"), self.run_dir)
        self.assertEqual((result.returncode, result.stdout), (3, ""))

    def test_a_file_where_the_folder_belongs_counts_as_missing(self):
        self.write("output", b"not a folder")
        result = list_outputs(os.path.join(self.run_dir, "output"), self.run_dir)
        self.assertEqual(result.returncode, 3)


if __name__ == "__main__":
    unittest.main()
