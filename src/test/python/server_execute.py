"""Executes a notebook through a running Jupyter server's kernel: a kernel started over the REST API, then
driven with the kernel protocol (jupyter_client) on the connection file the server wrote.

    python3 server_execute.py URL TOKEN KERNEL_NAME NOTEBOOK OUT
"""
import json
import os
import sys
import time
import urllib.request

import nbformat
from jupyter_client import BlockingKernelClient
from jupyter_core.paths import jupyter_runtime_dir


def api(url, token, method="GET", body=None):
    req = urllib.request.Request(url + "?token=" + token, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        text = r.read().decode()
        return json.loads(text) if text else None


def main():
    base, token, kernel_name, path, out = sys.argv[1:6]
    kernel = api(base + "/api/kernels", token, "POST", {"name": kernel_name})
    connection = os.path.join(jupyter_runtime_dir(), "kernel-" + kernel["id"] + ".json")
    deadline = time.time() + 180
    while True:  # the kernel is a JVM: until it answers its heartbeat, the client takes it for dead
        try:
            client = BlockingKernelClient(connection_file=connection)
            client.load_connection_file()
            client.start_channels()
            client.wait_for_ready(timeout=30)
            break
        except (RuntimeError, FileNotFoundError):
            if time.time() > deadline:
                raise
            time.sleep(1)
    nb = nbformat.read(path, as_version=4)
    failed = None
    for n, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.outputs = []

        def hook(msg, cell=cell):
            kind = msg["header"]["msg_type"]
            if kind in ("stream", "display_data", "execute_result", "error"):
                out = nbformat.v4.output_from_msg(msg)
                display_id = msg["content"].get("transient", {}).get("display_id")
                if display_id:
                    out.setdefault("metadata", {})["display_id"] = display_id
                cell.outputs.append(out)
            elif kind == "update_display_data":  # a live progress bar: keep its last state, as Jupyter does
                display_id = msg["content"].get("transient", {}).get("display_id")
                for out in cell.outputs:
                    if out.get("metadata", {}).get("display_id") == display_id:
                        out["data"] = msg["content"]["data"]

        reply = client.execute_interactive(cell.source, output_hook=hook, timeout=600)
        if reply["content"]["status"] != "ok":
            failed = f"cell {n + 1}: {reply['content'].get('ename')}: {reply['content'].get('evalue')}"
            break
    client.stop_channels()
    api(base + "/api/kernels/" + kernel["id"], token, "DELETE")
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            o.get("metadata", {}).pop("display_id", None)
    nbformat.write(nb, out)
    print("executed", path, "through kernel", kernel["id"], "FAILED " + failed if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
