"""Slow SQL statements of Firefox saved-session pings, aggregated per thread and query.

Output is CSV with a header line: #thread,query,submissions,invocations,total_ms,mean_ms
"""

import json


def map(key, dims, value, context):
    slow_sql = json.loads(value).get("slowSQL", {})
    for thread in ("mainThread", "otherThreads"):
        for query, (count, total_ms) in slow_sql.get(thread, {}).items():
            context.write((thread, query), [1, count, total_ms])


def _sum(values):
    """Element-wise sum of [submissions, invocations, total_ms] triples."""
    return [sum(column) for column in zip(*values)]


def combine(key, values, context):
    # Called by the runner whenever 50 values have collected for a key; what
    # it writes replaces them, which keeps the reducer's memory small.
    context.write(key, _sum(values))


def setup_reduce(context):
    context.field_separator = ","
    # The header names the columns; each reducer writes it, readers drop the repeats.
    context.writecsv(["#thread", "query", "submissions", "invocations", "total_ms", "mean_ms"])


def reduce(key, values, context):
    thread, query = key
    submissions, invocations, total_ms = _sum(values)
    context.writecsv([thread, query, submissions, invocations, total_ms, round(total_ms / invocations, 1)])
