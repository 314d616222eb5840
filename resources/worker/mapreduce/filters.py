"""Input filters: which files of the v2 layout a job reads.

A filter file looks like::

    {"version": 1,
     "dimensions": [
       {"field_name": "reason",           "allowed_values": ["saved-session"]},
       {"field_name": "appName",          "allowed_values": "*"},
       {"field_name": "appUpdateChannel", "allowed_values": "nightly"},
       {"field_name": "appVersion",       "allowed_values": "*"},
       {"field_name": "appBuildID",       "allowed_values": {"min": "20140601000000"}},
       {"field_name": "submission_date",  "allowed_values": {"min": "20140701", "max": "20140707"}}]}

Dimensions are matched by position against the six path levels of a file
(reason, appName, appUpdateChannel, appVersion, appBuildID, submission_date);
``field_name`` is informative only. Each ``allowed_values`` is one of:

* ``"*"``: anything;
* a list of strings: exact match after sanitising each listed value the way
  the storage layout sanitised the path (characters outside
  ``[A-Za-z0-9_/.]`` become ``_``), so ``"saved-session"`` matches the
  directory ``saved_session``;
* any other string: exact match, not sanitised;
* ``{"min": ..., "max": ...}``: inclusive string comparison; either bound may
  be left out.
"""

import json
import re

DIMENSION_NAMES = (
    "reason",
    "appName",
    "appUpdateChannel",
    "appVersion",
    "appBuildID",
    "submission_date",
)

_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9_/.]")


# Objects and lists may nest this deep in a filter (a sound one needs 4). Deeper text would
# exhaust Python's recursion limit in json.loads; the app's editor refuses the same depth.
MAX_DEPTH = 64

_BRACKETS_AND_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


class FilterError(Exception):
    """The filter file is missing, is not JSON, or does not have the expected shape."""


def sanitise(value):
    """The storage layout's form of a dimension value."""
    return _UNSAFE_CHARS.sub("_", value)


class InputFilter:
    """Six per-level predicates, built once from a validated filter spec."""

    def __init__(self, matchers):
        self._matchers = matchers

    def allows(self, level, value):
        """Whether the value at path level ``level`` (0-5) passes the filter."""
        return self._matchers[level](value)

    def allows_any(self, level):
        """Whether level ``level`` (0-5) passes every value ("*")."""
        return self._matchers[level] is _any

    def allows_all(self, dims):
        return all(match(value) for match, value in zip(self._matchers, dims))


def load_filter(path):
    """Read and validate a filter file; raises FilterError with a readable reason."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise FilterError(f"cannot read input filter {path}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise FilterError(f"input filter {path} is not UTF-8 text: {e}") from None
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise FilterError(
            f"input filter {path} nests objects and lists {depth} levels deep; "
            f"at most {MAX_DEPTH} are allowed (a filter needs 4)"
        )
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as e:
        raise FilterError(
            f"input filter {path} is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"
        ) from None
    return parse_filter(spec, path)


def nesting_depth(text):
    """The deepest nesting of objects and lists in ``text``, counted without parsing
    (brackets inside strings do not count), so any text can be measured."""
    depth = deepest = 0
    for match in _BRACKETS_AND_STRINGS.finditer(text):
        char = match.group()
        if char in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif char in ("]", "}"):
            depth = max(0, depth - 1)
    return deepest


def parse_filter(spec, source="input filter"):
    if not isinstance(spec, dict):
        raise FilterError(f"{source}: expected a JSON object with 'version' and 'dimensions'")
    version = spec.get("version")
    # bool is an int subclass; "version": true is not version 1.
    if version != 1 or isinstance(version, bool):
        raise FilterError(f"{source}: unsupported filter version {version!r} (expected 1)")
    dims = spec.get("dimensions")
    if not isinstance(dims, list):
        raise FilterError(f"{source}: 'dimensions' must be a list of six dimension objects")
    if len(dims) != len(DIMENSION_NAMES):
        raise FilterError(
            f"{source}: 'dimensions' has {len(dims)} entries, expected {len(DIMENSION_NAMES)} "
            f"({', '.join(DIMENSION_NAMES)})"
        )
    return InputFilter([_matcher(i, d, source) for i, d in enumerate(dims)])


def _any(value):
    return True


def _matcher(index, dim, source):
    where = f"{source}: dimension {index + 1} ({DIMENSION_NAMES[index]})"
    if not isinstance(dim, dict):
        raise FilterError(f"{where} must be an object with 'field_name' and 'allowed_values'")
    name = dim.get("field_name")
    if not isinstance(name, str) or not name:
        raise FilterError(f"{where}: 'field_name' must be a non-empty string")
    if "allowed_values" not in dim:
        raise FilterError(f"{where}: 'allowed_values' is missing")
    allowed = dim["allowed_values"]

    if allowed == "*":
        return _any
    if isinstance(allowed, str):
        return lambda value: value == allowed
    if isinstance(allowed, list):
        bad = [v for v in allowed if not isinstance(v, str)]
        if bad:
            raise FilterError(f"{where}: list values must be strings, got {bad[0]!r}")
        accepted = frozenset(sanitise(v) for v in allowed)
        return accepted.__contains__
    if isinstance(allowed, dict):
        unknown = sorted(set(allowed) - {"min", "max"})
        if unknown:
            raise FilterError(f"{where}: range allows only 'min' and 'max', not {unknown[0]!r}")
        for bound in ("min", "max"):
            if bound in allowed and not isinstance(allowed[bound], str):
                raise FilterError(f"{where}: '{bound}' must be a string, got {allowed[bound]!r}")
        low, high = allowed.get("min"), allowed.get("max")
        if low is not None and high is not None:
            return lambda value: low <= value <= high
        if low is not None:
            return lambda value: value >= low
        if high is not None:
            return lambda value: value <= high
        return lambda value: True
    raise FilterError(
        f"{where}: 'allowed_values' must be \"*\", a string, a list of strings "
        f"or {{\"min\", \"max\"}}, got {json.dumps(allowed)}"
    )
