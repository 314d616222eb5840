"""Map, combine and reduce semantics, the reduce context, partitioning and output order."""

import collections
import csv
import io

from .support import RunnerTestCase, parse_counts, record

OS_NAMES = ("WINNT", "Darwin", "Linux", "Android", "WINNT", "WINNT", "Linux")


def counting_map(key):
    """The source of a map that writes a 1 under the key ``key`` (a Python expression) for every record."""
    return f"""
def map(key, dims, value, context):
    context.write({key}, 1)"""


class MapReduceTest(RunnerTestCase):
    def setUp(self):
        super().setUp()
        # Six files over two apps and three dates; records cycle through OS names.
        self.records = []  # (uuid, dims, os)
        n = 0
        for f in range(6):
            dims = ("saved_session", ("Firefox", "Fennec")[f % 2], "release", "30.0", "20140601000000", f"2014070{f % 3 + 1}")
            lines = []
            for j in range(25 + 7 * f):
                uuid, os_name = f"id-{f}-{j:03d}", OS_NAMES[n % len(OS_NAMES)]
                n += 1
                lines.append(f"{uuid}\t{record(os_name)}")
                self.records.append((uuid, dims, os_name))
            self.data.add(dims, lines, compression=("gz", "xz", "lzma")[f % 3])

    def assertJobOutput(self, script, expected):
        """Run ``script`` with the default options: it succeeds and writes exactly ``expected``."""
        result = self.run_job(script)
        self.assertSucceeded(result)
        self.assertEqual(result.output, expected)

    def test_reduce_gets_every_value_of_its_key(self):
        script = """
import json
def map(key, dims, value, context):
    context.write(json.loads(value)["info"]["OS"], 1)
def reduce(key, values, context):
    context.write(key, sum(values))
"""
        result = self.run_job(script, None, "-m", "3")
        self.assertSucceeded(result)
        self.assertEqual(parse_counts(result.output), collections.Counter(os for _, _, os in self.records))

    def test_combine_replaces_values_every_50(self):
        script = """
def map(key, dims, value, context):
    context.write("many", 1)
    if key.endswith("0"):
        context.write("few", 1)
def combine(key, values, context):
    context.write(key, sum(values))
def reduce(key, values, context):
    context.write(key, "%d %d %d" % (len(values), sum(values), values[0]))
"""

        def collected(count):
            """What the reducer holds after ``count`` ones, by the rule: at 50, sum."""
            values = []
            for _ in range(count):
                values.append(1)
                if len(values) >= 50:
                    values = [sum(values)]
            return f"{len(values)} {sum(values)} {values[0]}"

        many = len(self.records)
        few = sum(1 for uuid, _, _ in self.records if uuid.endswith("0"))
        result = self.run_job(script, None, "-m", "2")
        self.assertSucceeded(result)
        got = dict(line.split("\t") for line in result.lines())
        self.assertEqual(got, {"many": collected(many), "few": collected(few)})
        self.assertGreater(many, 100)  # combine ran more than once
        self.assertLess(few, 50)  # and never for this key

    def test_without_combine_every_value_reaches_reduce(self):
        script = counting_map('"all"') + """
def reduce(key, values, context):
    context.write(key, len(values))
"""
        self.assertJobOutput(script, f"all\t{len(self.records)}\n")

    def test_setup_reduce_changes_separators(self):
        script = counting_map('dims[5]') + """
def setup_reduce(context):
    context.field_separator = ","
    context.record_separator = "|"
def reduce(key, values, context):
    context.write(key, sum(values))
"""
        result = self.run_job(script)
        self.assertSucceeded(result)
        self.assertNotIn("\n", result.output)
        self.assertTrue(result.output.endswith("|"))
        expected = collections.Counter(dims[5] for _, dims, _ in self.records)
        got = dict(r.split(",") for r in result.output.split("|")[:-1])
        self.assertEqual({k: int(v) for k, v in got.items()}, expected)

    def test_writecsv_quotes_and_uses_the_field_separator(self):
        script = counting_map('dims[5]') + """
def setup_reduce(context):
    context.field_separator = ","
def reduce(key, values, context):
    context.writecsv([key, "a,b", 'say "hi"', len(values), None])
"""
        result = self.run_job(script)
        self.assertSucceeded(result)
        rows = sorted(csv.reader(io.StringIO(result.output)))
        dates = collections.Counter(dims[5] for _, dims, _ in self.records)
        self.assertEqual(rows, sorted([d, "a,b", 'say "hi"', str(n), ""] for d, n in dates.items()))
        self.assertIn('"a,b","say ""hi"""', result.output)

    def test_writecsv_with_default_separators_writes_tabs(self):
        script = counting_map('"k"') + """
def reduce(key, values, context):
    context.writecsv([key, "x y", len(values)])
"""
        self.assertJobOutput(script, f"k\tx y\t{len(self.records)}\n")

    def test_writeline_ends_with_the_record_separator(self):
        script = counting_map('dims[1]') + """
def setup_reduce(context):
    context.record_separator = "\\r\\n"
def reduce(key, values, context):
    context.writeline("%s=%d" % (key, sum(values)))
"""
        result = self.run_job(script)
        self.assertSucceeded(result)
        apps = collections.Counter(dims[1] for _, dims, _ in self.records)
        self.assertEqual(sorted(result.output.split("\r\n")), sorted([""] + [f"{a}={n}" for a, n in apps.items()]))

    def test_map_only_writes_every_pair_as_is(self):
        script = """
def map(key, dims, value, context):
    context.write(key, dims[5])
    context.write(key + "/list", [1, "a"])
"""
        result = self.run_job(script, None, "-m", "3", "-r", "2")
        self.assertSucceeded(result)
        expected = [f"{uuid}\t{dims[5]}" for uuid, dims, _ in self.records]
        expected += [f"{uuid}/list\t[1, 'a']" for uuid, _, _ in self.records]
        self.assertEqual(sorted(result.lines()), sorted(expected))

    def test_several_reducers_split_the_keys(self):
        script = """
import json
def map(key, dims, value, context):
    context.write((dims[1], json.loads(value)["info"]["OS"]), 1)
    context.write(key[:5], 1)
def reduce(key, values, context):
    context.write(key, sum(values))
"""
        result = self.run_job(script, None, "-m", "2", "-r", "3")
        self.assertSucceeded(result)
        expected = collections.Counter(str((dims[1], os)) for _, dims, os in self.records)
        expected.update(uuid[:5] for uuid, _, _ in self.records)
        lines = result.lines()
        self.assertEqual(len(lines), len(expected))  # every key exactly once
        self.assertEqual(parse_counts(result.output), expected)

    def test_sorted_output_does_not_depend_on_process_counts(self):
        script = """
def map(key, dims, value, context):
    context.write(key[-2:], 1)
    context.write(len(key), 1)
def reduce(key, values, context):
    context.write(key, sum(values))
"""
        one = self.run_job(script, None, "--sorted", "-m", "1", "-r", "1")
        many = self.run_job(script, None, "--sorted", "-m", "3", "-r", "4")
        self.assertSucceeded(one)
        self.assertSucceeded(many)
        self.assertEqual(one.output, many.output)
        keys = [line.split("\t")[0] for line in one.lines()]
        numbers = sorted({len(uuid) for uuid, _, _ in self.records})
        suffixes = sorted({uuid[-2:] for uuid, _, _ in self.records})
        self.assertEqual(keys, [str(n) for n in numbers] + suffixes)  # numbers sort before strings

    def test_sorted_map_only_output(self):
        script = """
def map(key, dims, value, context):
    context.write(dims[5], key)
"""
        result = self.run_job(script, None, "--sorted", "-m", "3", "-r", "3")
        self.assertSucceeded(result)
        self.assertEqual(result.lines(), sorted(f"{dims[5]}\t{uuid}" for uuid, dims, _ in self.records))

    def test_output_is_stable_across_hash_seeds_and_mapper_counts(self):
        script = """
def map(key, dims, value, context):
    context.write(key[3:6], key)
    context.write((dims[1], key[-1]), 1)
def reduce(key, values, context):
    context.write(key, ",".join(str(v) for v in values))
"""
        runs = [
            self.run_job(script, None, "-m", mappers, "-r", "3", env={"PYTHONHASHSEED": seed})
            for mappers, seed in (("1", "1"), ("3", "2"), ("2", "random"))
        ]
        for result in runs:
            self.assertSucceeded(result)
        self.assertEqual(runs[0].output, runs[1].output)
        self.assertEqual(runs[0].output, runs[2].output)
