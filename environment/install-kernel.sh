#!/usr/bin/env bash
# Installs the Jupyter kernelspec "workbook-java": the IJava or JJava kernel with the workbook helper on its
# classpath (target/classes + target/lib/*, so notebooks need no %maven), its data folder, and memory caps for
# a 2 GiB machine (Binder).
#
#   bash environment/install-kernel.sh [--kernel ijava|jjava] [--user | --sys-prefix | --prefix DIR]
#                                      [--name NAME] [--data DIR] [--classpath CP]
#
# The kernel jar: IJAVA_JAR or JJAVA_JAR (a path), else an IJava/JJava kernel installed in Jupyter's data
# folders, else the pinned release (IJava 1.3.0, JJava 1.0-a6) that ./workbook kernel fetches and checks.
# Where: --user (~/.local/share/jupyter), --sys-prefix (the active venv or conda environment), --prefix DIR
# (DIR/share/jupyter); by default --sys-prefix inside a venv or conda environment, else --user.
# --classpath (or WORKBOOK_CLASSPATH) skips building the helper (tests pass their own classpath).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "install-kernel.sh: $*" >&2; exit 1; }

kernel="" where="" prefix="" name="workbook-java" data="$repo/data" cp="${WORKBOOK_CLASSPATH:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) [ $# -ge 2 ] || die "--kernel needs ijava or jjava"; kernel="$2"; shift 2 ;;
    --user|--sys-prefix) where="${1#--}"; shift ;;
    --prefix) [ $# -ge 2 ] || die "--prefix needs a folder"; where="prefix"; prefix="$2"; shift 2 ;;
    --name) [ $# -ge 2 ] || die "--name needs a kernel name"; name="$2"; shift 2 ;;
    --data) [ $# -ge 2 ] || die "--data needs a folder"; data="$2"; shift 2 ;;
    --classpath) [ $# -ge 2 ] || die "--classpath needs a class path"; cp="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
case "$kernel" in ""|ijava|jjava) ;; *) die "--kernel must be ijava or jjava, got '$kernel'" ;; esac

command -v java >/dev/null || die "no 'java' on PATH: install a JDK 17 (e.g. 'conda install openjdk=17' or your system's openjdk-17-jdk)"
command -v python3 >/dev/null || die "no 'python3' on PATH: Jupyter needs Python 3"
python3 -c "import jupyter_core" 2>/dev/null || die "Jupyter is not installed for $(command -v python3): pip install jupyterlab (or use environment/environment.yml)"

# --- the kernel jar -------------------------------------------------------------------------------------
jar=""
if [ "$kernel" != "ijava" ] && [ -n "${JJAVA_JAR:-}" ]; then jar="$JJAVA_JAR"; kernel="jjava"
elif [ -n "${IJAVA_JAR:-}" ]; then jar="$IJAVA_JAR"
  case "$(basename "$jar")" in *jjava*) kernel="${kernel:-jjava}" ;; *) kernel="${kernel:-ijava}" ;; esac
else
  while IFS= read -r dir; do
    for candidate in "$dir"/kernels/*/ijava-*.jar "$dir"/kernels/*/jjava.jar; do
      [ -f "$candidate" ] || continue
      case "$candidate" in *jjava.jar) k=jjava ;; *) k=ijava ;; esac
      if [ -z "$kernel" ] || [ "$kernel" = "$k" ]; then jar="$candidate"; kernel="$k"; break 2; fi
    done
  done < <(python3 -c "from jupyter_core.paths import jupyter_path; print('\n'.join(jupyter_path()))")
fi
if [ -z "$jar" ]; then # none installed: the pinned release, fetched and checked as ./workbook lab does
  kernel="${kernel:-ijava}"
  jar="$(WORKBOOK_CLASSPATH="$cp" "$repo/workbook" kernel --kernel "$kernel" | tail -n 1)" \
    || die "no $kernel kernel installed, and the pinned release could not be fetched (see above); or set IJAVA_JAR / JJAVA_JAR to a kernel's jar"
fi
[ -f "$jar" ] || die "kernel jar $jar does not exist"
jar="$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")"

# --- where the kernelspec goes ----------------------------------------------------------------------------
if [ -z "$where" ]; then
  if [ -n "${CONDA_PREFIX:-}" ] || python3 -c "import sys; sys.exit(0 if sys.prefix != sys.base_prefix else 1)"; then where="sys-prefix"; else where="user"; fi
fi
case "$where" in
  user) kernels="$(python3 -c "from jupyter_core.paths import jupyter_data_dir; print(jupyter_data_dir())")/kernels" ;;
  sys-prefix) kernels="$(python3 -c "import sys; print(sys.prefix)")/share/jupyter/kernels" ;;
  prefix) kernels="$prefix/share/jupyter/kernels" ;;
esac

# --- the helper's classpath (built only now, once every check above has passed) -------------------------
if [ -z "$cp" ]; then
  # shellcheck source=build-helper.sh
  . "$repo/environment/build-helper.sh"
  build_helper "$repo" || die "the helper did not build (see above)"
  cp="$repo/target/classes:$repo/target/lib/*"
fi

# JJava (1.0-a4 and later) reads JShell internals that Java 17 hides unless this module is opened
opens=""
[ "$kernel" = "jjava" ] && opens='"--add-opens", "jdk.jshell/jdk.jshell=ALL-UNNAMED", '
json_escape() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"; }

dest="$kernels/$name"
mkdir -p "$dest"
tmp="$(mktemp "$dest/.kernel.json.XXXXXX")"
cat > "$tmp" <<JSON
{
  "argv": ["java", ${opens}"-Xmx1200m", "-XX:+UseSerialGC", "-Dfile.encoding=UTF-8",
           "-Dorg.bytedeco.javacpp.maxbytes=600M", "-Dorg.bytedeco.javacpp.maxphysicalbytes=1900M",
           "-jar", $(json_escape "$jar"), "{connection_file}"],
  "display_name": "Java (Transfer Learning Workbook)",
  "language": "java",
  "interrupt_mode": "message",
  "env": {
    "IJAVA_CLASSPATH": $(json_escape "$cp"),
    "JJAVA_CLASSPATH": $(json_escape "$cp"),
    "WORKBOOK_DATA": $(json_escape "$data")
  }
}
JSON
mv "$tmp" "$dest/kernel.json"
echo "Installed kernel '$name' ($kernel, $jar) at $dest"
