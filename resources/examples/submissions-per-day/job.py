"""Submissions per submission date, counted from the path alone (no JSON parsing)."""


def map(key, dims, value, context):
    # dims: reason, appName, appUpdateChannel, appVersion, appBuildID, submission_date
    context.write(dims[5], 1)


def reduce(key, values, context):
    context.write(key, sum(values))
