"""Input filter forms, sanitising, bounds, and filter validation."""

import itertools
import sys

from .support import COUNT_BY_DIMS, RunnerTestCase, make_filter, parse_counts, record

# A grid of files: every combination below, two records each. The reason
# "saved-session" is also stored verbatim (unsanitised) to tell list
# matching (sanitised) from bare-string matching (exact).
REASONS = ("saved_session", "idle_daily", "saved-session")
APPS = ("Firefox", "Fennec")
CHANNELS = {"release": "30.0", "nightly": "33.0a1"}
BUILDS = ("20140601000000", "20140615000000", "20140701000000")
DATES = ("20140630", "20140701", "20140702")


class FilterTest(RunnerTestCase):
    def setUp(self):
        super().setUp()
        self.all_dims = []
        for reason, app, (channel, version), build, date in itertools.product(
            REASONS, APPS, CHANNELS.items(), BUILDS, DATES
        ):
            dims = (reason, app, channel, version, build, date)
            self.data.add(dims, [f"u{i}-{'-'.join(dims)}\t{record()}" for i in range(2)])
            self.all_dims.append(dims)

    def check(self, spec, predicate):
        result = self.run_job(COUNT_BY_DIMS, spec, "-m", "2")
        expected = {"/".join(d): 2 for d in self.all_dims if predicate(d)}
        if not expected:
            self.assertSucceeded(result)
            self.assertIsNone(result.output)
            return
        self.assertSucceeded(result)
        self.assertEqual(parse_counts(result.output), expected)

    def test_star_matches_everything(self):
        self.check(make_filter(), lambda d: True)

    def test_list_values_are_sanitised(self):
        # "saved-session" in a list matches the stored "saved_session" only.
        self.check(make_filter(["saved-session"]), lambda d: d[0] == "saved_session")

    def test_list_matches_any_of_its_values(self):
        self.check(
            make_filter("*", ["Fennec", "Thunderbird"], ["nightly"]),
            lambda d: d[1] == "Fennec" and d[2] == "nightly",
        )

    def test_list_sanitises_every_unsafe_character(self):
        # "33.0a1" is safe as is; "33 0a1" becomes "33_0a1" and matches nothing.
        self.check(make_filter("*", "*", "*", ["33.0a1"]), lambda d: d[3] == "33.0a1")
        self.check(make_filter("*", "*", "*", ["33 0a1"]), lambda d: False)

    def test_bare_string_is_exact_and_unsanitised(self):
        self.check(make_filter("saved-session"), lambda d: d[0] == "saved-session")
        self.check(make_filter("saved_session"), lambda d: d[0] == "saved_session")

    def test_min_and_max_are_inclusive(self):
        spec = make_filter("*", "*", "*", "*", {"min": "20140615000000", "max": "20140701000000"})
        self.check(spec, lambda d: "20140615000000" <= d[4] <= "20140701000000")

    def test_min_alone(self):
        self.check(make_filter("*", "*", "*", "*", "*", {"min": "20140701"}), lambda d: d[5] >= "20140701")

    def test_max_alone(self):
        self.check(make_filter("*", "*", "*", "*", "*", {"max": "20140701"}), lambda d: d[5] <= "20140701")

    def test_empty_range_matches_everything(self):
        self.check(make_filter("*", "*", "*", "*", {}), lambda d: True)

    def test_dimensions_combine(self):
        spec = make_filter(["idle-daily"], "Firefox", "*", "*", {"max": "20140615000000"}, {"min": "20140701"})
        self.check(
            spec,
            lambda d: d[0] == "idle_daily" and d[1] == "Firefox" and d[4] <= "20140615000000" and d[5] >= "20140701",
        )


class FilterValidationTest(RunnerTestCase):
    def setUp(self):
        super().setUp()
        self.data.add(("saved_session", "Firefox", "release", "30.0", "20140601000000", "20140701"), ["u\t{}"])

    def assertRejected(self, spec, *fragments):
        result = self.run_job(COUNT_BY_DIMS, spec)
        self.assertEqual(result.returncode, 1, result.stderr)
        for fragment in fragments:
            self.assertIn(fragment, result.stderr)
        self.assertIsNone(result.output)

    def test_not_json(self):
        self.assertRejected('{"version": 1, "dimensions": [', "is not valid JSON", "line 1")

    def test_nesting_too_deep_is_refused_without_a_traceback(self):
        deep = '{"version": 1, "dimensions": ' + "[" * 100_000 + "]" * 100_000 + "}"
        result = self.run_job(COUNT_BY_DIMS, deep)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("nests objects and lists 100001 levels deep; at most 64 are allowed", result.stderr)
        self.assertNotIn("Traceback", result.stderr)
        self.assertIsNone(result.output)

    def test_brackets_inside_strings_are_not_nesting(self):
        spec = make_filter("*", {"min": "[" * 100 + '\\"{'})
        self.assertSucceeded(self.run_job(COUNT_BY_DIMS, spec))

    def test_not_an_object(self):
        self.assertRejected("[1, 2]", "expected a JSON object")

    def test_wrong_version(self):
        spec = make_filter()
        spec["version"] = 2
        self.assertRejected(spec, "unsupported filter version 2")

    def test_missing_version(self):
        spec = make_filter()
        del spec["version"]
        self.assertRejected(spec, "unsupported filter version None")

    def test_not_six_dimensions(self):
        spec = make_filter()
        spec["dimensions"].pop()
        self.assertRejected(spec, "has 5 entries, expected 6")

    def test_number_as_allowed_values(self):
        self.assertRejected(make_filter("*", 5), "dimension 2 (appName)", "'allowed_values' must be")

    def test_list_with_a_number(self):
        self.assertRejected(make_filter("*", "*", "*", "*", [20140601000000]), "list values must be strings")

    def test_range_with_unknown_key(self):
        self.assertRejected(make_filter("*", "*", "*", "*", "*", {"from": "2014"}), "only 'min' and 'max'")

    def test_range_bound_not_a_string(self):
        self.assertRejected(make_filter("*", "*", "*", "*", "*", {"min": 20140701}), "'min' must be a string")

    def test_dimension_without_allowed_values(self):
        spec = make_filter()
        del spec["dimensions"][0]["allowed_values"]
        self.assertRejected(spec, "'allowed_values' is missing")

    def test_missing_filter_file(self):
        result = self.run_runner(
            [
                sys.executable, "-m", "mapreduce.job", self.script(COUNT_BY_DIMS),
                "-f", "no-such-filter.json", "-d", self.data.root, "-o", "out.txt",
            ]  # fmt: skip
        )
        self.assertEqual(result.returncode, 1)
        self.assertIn("cannot read input filter no-such-filter.json", result.stderr)
