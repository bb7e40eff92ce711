"""Runs the Keras comparisons' scripts in one Python that has imported Keras once (importing TensorFlow and Keras takes
3-5 s, which each script started on its own paid).

    python3 keras_worker.py

Reads one request per line on stdin: the script and its arguments, each base64, separated by single spaces. Runs the
script as `python3 -c SCRIPT ARGS...` would (its own globals, sys.argv, stdout captured) after
keras.backend.clear_session(), so that no layer name or graph of one script reaches the next. Answers one line on
stdout: `ok` or `failed`, a space, and the base64 of what the script printed (and its traceback when it failed).
Ends when stdin closes, as when the test JVM exits.
"""
import base64
import contextlib
import io
import os
import sys
import traceback

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402

reply = sys.stdout
for line in sys.stdin:
    script, *args = [base64.b64decode(part).decode() for part in line.rstrip("\n").split(" ")]
    keras.backend.clear_session()
    printed = io.StringIO()
    status = "ok"
    sys.argv = ["-c"] + args
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(script, "<script>", "exec"), {"__name__": "__main__"})
    except SystemExit as e:
        if e.code not in (None, 0):
            status = "failed"
            printed.write(f"\nexit status {e.code}\n")
    except BaseException:  # noqa: B902 (the test reads whatever went wrong)
        status = "failed"
        printed.write("\n" + traceback.format_exc())
    reply.write(status + " " + base64.b64encode(printed.getvalue().encode()).decode() + "\n")
    reply.flush()
