"""Loading the user's job script and describing its errors."""

import os
import sys
import traceback
import types

MODULE_NAME = "telemetry_job"


class ScriptError(Exception):
    """The job script could not be loaded or lacks map(); str() is the report."""


def load_script(path):
    """Execute the job script as module ``telemetry_job`` and return it.

    Compiled by hand rather than imported so that no ``__pycache__`` lands in
    the user's job folder; the script's folder goes on sys.path so it can
    import helper modules kept next to it, as ``python script.py`` would.
    """
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError as e:
        raise ScriptError(f"cannot read job script {path}: {e.strerror or e}") from None
    return load_script_source(source, path)


def load_script_source(source, path):
    """Execute ``source``, the job script read from ``path``, as load_script does.

    The Spark engine's executors get the script's text this way: on a cluster
    the path may exist only on the driver, yet tracebacks still name it.
    """
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = path
    sys.modules[MODULE_NAME] = module
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        exec(compile(source, path, "exec"), module.__dict__)
    except Exception as e:
        raise ScriptError(f"job script {path} failed to load:\n{describe_error(e, path)[0]}") from None
    if not callable(getattr(module, "map", None)):
        raise ScriptError(f"job script {path} defines no map(key, dims, value, context) function")
    return module


def describe_error(exc, script_path):
    """``(traceback text, raised_in_script)`` for an exception.

    The runner's own frames above the first frame of the job script are left
    out, so the report starts where the user's code is. If the script is not
    on the stack at all, the whole traceback is kept.
    """
    target = os.path.realpath(script_path)
    tb = exc.__traceback__
    while tb is not None and os.path.realpath(tb.tb_frame.f_code.co_filename) != target:
        tb = tb.tb_next
    in_script = tb is not None
    if isinstance(exc, SyntaxError) and exc.filename:
        in_script = in_script or os.path.realpath(exc.filename) == target
    text = "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))
    return text.rstrip("\n"), in_script
