#!/usr/bin/env python3
"""Runs notebooks top to bottom through a real Jupyter kernel, each on a fresh kernel, as "Restart & Run All" would.

    python3 environment/execute-notebooks.py --kernel workbook-java --out build/kernel-notebooks notebooks/0*.ipynb

Each executed notebook is written to --out, also when a cell fails (the failing cell holds the error), and the
stream messages are kept as the kernel sent them (not merged), so a test can see how output arrived.
Exit status: 0 when every notebook ran without error, 1 otherwise.
"""
import argparse
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", default="workbook-java", help="kernelspec name (default workbook-java)")
    parser.add_argument("--out", required=True, help="folder for the executed notebooks")
    parser.add_argument("--timeout", type=int, default=900, help="seconds one cell may take (default 900)")
    parser.add_argument("notebooks", nargs="+")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    failed = []
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, kernel_name=args.kernel, timeout=args.timeout, startup_timeout=120,
                                resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
        started = time.time()
        error = None
        try:
            client.execute()
        except CellExecutionError as e:
            error = str(e).strip().splitlines()[-1] if str(e).strip() else "cell failed"
        except Exception as e:  # kernel died, timed out, could not start
            error = f"{type(e).__name__}: {e}"
        target = os.path.join(args.out, os.path.basename(path))
        tmp = target + ".tmp"
        nbformat.write(nb, tmp)
        os.replace(tmp, target)
        status = "ok" if error is None else "FAILED: " + error
        print(f"{os.path.basename(path)}: {time.time() - started:.1f}s {status}", flush=True)
        if error is not None:
            failed.append(path)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
