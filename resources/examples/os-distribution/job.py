"""Submissions per operating system (info.OS) in saved-session pings."""

import json


def map(key, dims, value, context):
    context.write(json.loads(value)["info"]["OS"], 1)


def reduce(key, values, context):
    context.write(key, sum(values))
