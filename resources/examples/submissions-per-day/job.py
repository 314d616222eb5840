"""Submissions per submission date, counted from the path alone (no JSON parsing).

Output: a header line `#submission_date<TAB>submissions`, then `yyyymmdd<TAB>count` lines.
"""


def map(key, dims, value, context):
    # dims: reason, appName, appUpdateChannel, appVersion, appBuildID, submission_date
    context.write(dims[5], 1)


def setup_reduce(context):
    # The header names the columns; each reducer writes it, readers drop the repeats.
    context.writeline("#submission_date\tsubmissions")


def reduce(key, values, context):
    context.write(key, sum(values))
