"""Submissions per operating system (info.OS) in saved-session pings.

Output: a header line `#OS<TAB>count`, then `OS<TAB>count` lines.
"""

import json


def map(key, dims, value, context):
    context.write(json.loads(value)["info"]["OS"], 1)


def setup_reduce(context):
    # The header names the columns for the workbench's table and chart. Each
    # reducer writes it; readers drop the repeats (see the examples' README).
    context.writeline("#OS\tcount")


def reduce(key, values, context):
    context.write(key, sum(values))
