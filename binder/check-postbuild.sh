#!/usr/bin/env bash
# Follows Binder's build as far as a machine without conda can: a Python environment with Jupyter and the
# IJava kernel in it (Binder gets both from binder/environment.yml; here a venv and IJava's own installer),
# then binder/postBuild exactly as repo2docker runs it (from the repository root), then notebook 01 through
# the kernel it installed.
#   bash binder/check-postbuild.sh IJAVA_RELEASE_DIR OUT_DIR
set -euo pipefail
ijava="${1:?usage: check-postbuild.sh IJAVA_RELEASE_DIR OUT_DIR}"
out="${2:?usage: check-postbuild.sh IJAVA_RELEASE_DIR OUT_DIR}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$out/venv"
python3 -m venv --system-site-packages "$venv"
# shellcheck disable=SC1091
. "$venv/bin/activate"
python3 "$ijava/install.py" --sys-prefix
cd "$repo"
bash binder/postBuild
python3 environment/execute-notebooks.py --kernel workbook-java --out "$out/executed" notebooks/01_dataset_download.ipynb
