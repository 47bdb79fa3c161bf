#!/usr/bin/env bash
# The benchmark harness (README, "Performance"): start-up, restore and save, each against its
# baselines in the same run. Build the jar first. Writes the tables to stdout and to $OUT_MD.
#   scripts/bench.sh [REPS]            fixtures + a generated 420 MB cache
#   BENCH_INPUTS=... scripts/bench.sh  name:fixture.tgz or name:gen:FILES:MB, comma-separated
# Environment: BENCH_WORK (scratch, default $TMPDIR/b10-bench), BENCH_SECTIONS (startup,restore,save),
# BENCH_CLASSES (precompiled harness, for a runtime without javac), BENCH_JAR (default: the built
# jar), JAVA_HOME.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
javac_bin="${JAVA_HOME:+$JAVA_HOME/bin/}javac"
jar_bin="${JAVA_HOME:+$JAVA_HOME/bin/}jar"
work="${BENCH_WORK:-${TMPDIR:-/tmp}/b10-bench}"
fixtures="$root/../shared/fixtures"
inputs="${BENCH_INPUTS:-h200:$fixtures/inductor-cache-gpt2-h200.tgz,h100:$fixtures/inductor-cache-gpt2-h100.tgz,generated-420MB:gen:10000:420}"
classes="${BENCH_CLASSES:-$work/classes}"
jar="${BENCH_JAR:-$root/agent/target/b10-transfer.jar}"
[ -f "$jar" ] || { echo "bench: $jar is missing; build the jar first (README)" >&2; exit 2; }
if [ -z "${BENCH_CLASSES:-}" ]; then
  mkdir -p "$classes/empty"
  "$javac_bin" --release 17 -d "$classes" "$root"/scripts/bench/*.java "$root/scripts/bench/startup/Hello.java"
  "$javac_bin" --release 17 -d "$classes/empty" "$root/scripts/bench/startup/EmptyAgent.java"
  printf 'Premain-Class: EmptyAgent\n' > "$classes/empty/manifest.txt"
  "$jar_bin" cfm "$classes/empty-agent.jar" "$classes/empty/manifest.txt" -C "$classes/empty" EmptyAgent.class
fi
exec "$java_bin" -cp "$classes" Bench --jar="$jar" --work="$work" --classes="$classes" \
  --java="$java_bin" --reps="${1:-5}" --inputs="$inputs" --sections="${BENCH_SECTIONS:-startup,restore,save}" \
  --out="${OUT_MD:-$work/results.md}"
