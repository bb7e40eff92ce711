#!/usr/bin/env bash
# Sourced by ./workbook and environment/install-kernel.sh: build_helper REPO builds the helper when its sources
# changed since the last build. It shows each Maven step as it starts (the first build also downloads Maven and
# the libraries, which it counts), keeps the whole log in target/build.log, and on failure names the step that
# failed with Maven's error lines.
build_helper() {
  local repo="$1" stamp="$1/target/.built" log="$1/target/build.log" status
  if [ -f "$stamp" ] && [ -z "$(find "$repo/src/main" "$repo/pom.xml" -newer "$stamp" -print -quit 2>/dev/null)" ]; then return 0; fi
  mkdir -p "$repo/target"
  echo "Building the helper (first run or sources changed; a first build downloads Maven and the libraries, 1-2 minutes)..." >&2
  set +e
  (cd "$repo" && ./mvnw -B -DskipTests package 2>&1) | tee "$log" | awk '
    /Downloaded from/ { n++; if (n % 50 == 0) { printf "  downloaded %d files...\n", n > "/dev/stderr"; fflush("/dev/stderr") } next }
    /^\[INFO\] --- / { step = $3; sub(/ .*/, "", step); printf "  %s\n", step > "/dev/stderr"; fflush("/dev/stderr") }
  '
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ]; then
    local step
    step="$(grep -E '^\[INFO\] --- ' "$log" | tail -n 1 | sed -E 's/^\[INFO\] --- ([^ ]+).*/\1/')"
    echo "Building the helper failed${step:+ at step $step}. Maven said:" >&2
    grep -E '^\[ERROR\]|^Error|Exception' "$log" | grep -v '^\[ERROR\] *$' | head -n 20 >&2
    echo "(the whole log: $log; offline? Maven needs to reach a repository, or a local mirror: see the README's troubleshooting)" >&2
    return 1
  fi
  touch "$stamp"
}
