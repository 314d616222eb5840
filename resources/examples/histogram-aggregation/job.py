"""Per-histogram bucket totals over nightly builds since June 2014.

v2 histograms are arrays: bucket counts followed by five statistics
(sum, log_sum, log_sum_squares, sum_squares_lo, sum_squares_hi).
Output: a header line `#histogram<TAB>totals`, then
NAME<TAB>{"submissions": n, "buckets": [...], "sum": s} lines.
"""

import json

STATISTICS = 5


def map(key, dims, value, context):
    for name, histogram in json.loads(value).get("histograms", {}).items():
        counts = histogram[:-STATISTICS]
        context.write(name, [1, histogram[-STATISTICS]] + counts)


def _sum(values):
    """Element-wise sum of [submissions, sum, bucket0, bucket1, ...] lists."""
    return [sum(column) for column in zip(*values)]


def combine(key, values, context):
    context.write(key, _sum(values))


def setup_reduce(context):
    # The header names the columns; each reducer writes it, readers drop the repeats.
    context.writeline("#histogram\ttotals")


def reduce(key, values, context):
    submissions, total, *buckets = _sum(values)
    context.write(key, json.dumps({"submissions": submissions, "buckets": buckets, "sum": total}))
