#!/usr/bin/env bash
# The benchmark harness (README, "Performance"): start-up, restore and save, each against its
# baselines in the same run. Build the jar first. Writes the tables to stdout and to $OUT_MD.
#   scripts/bench.sh [REPS]            the H200 fixture, a realistic generated cache, the older generated one
#   BENCH_INPUTS=... scripts/bench.sh  name:fixture.tgz, name:genreal[:SEED] (shaped like a measured autotuned
#                                      cache) or name:gen:FILES:MB (the older generator), comma-separated
# Environment: BENCH_WORK (scratch, default $TMPDIR/b10-bench), BENCH_SECTIONS (startup,restore,save,s3),
# BENCH_S3_SPEED_KBS and BENCH_S3_LATENCY_MS (the S3 server's cap per GET stream, default 25000 KB/s,
# and its latency to first byte, default 20 ms), BENCH_S3PROXY (the server's jar; fetched if absent),
# BENCH_CLASSES (precompiled harness, for a runtime without javac), BENCH_JAR (default: the built
# jar), JAVA_HOME.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
javac_bin="${JAVA_HOME:+$JAVA_HOME/bin/}javac"
jar_bin="${JAVA_HOME:+$JAVA_HOME/bin/}jar"
work="${BENCH_WORK:-${TMPDIR:-/tmp}/b10-bench}"
fixtures="$root/fixtures"
inputs="${BENCH_INPUTS:-h200:$fixtures/inductor-cache-gpt2-h200.tgz,realistic:genreal:7,generated-420MB:gen:10000:420}"
# the restore's second table runs on a RAM-backed filesystem where there is one (BENCH_TMPFS= turns it off)
tmpfs="${BENCH_TMPFS-/dev/shm}"
[ -n "$tmpfs" ] && [ -d "$tmpfs" ] && [ -w "$tmpfs" ] || tmpfs=""
classes="${BENCH_CLASSES:-$work/classes}"
jar="${BENCH_JAR:-$root/agent/target/b10-transfer.jar}"
[ -f "$jar" ] || { echo "bench: $jar is missing; build the jar first (README)" >&2; exit 2; }
# the S3 section's server: S3Proxy, fetched from Maven Central by the build's own plugin
s3proxy="${BENCH_S3PROXY:-$work/s3proxy.jar}"
case "${BENCH_SECTIONS:-startup,restore,save,s3}" in *s3*)
  if [ ! -f "$s3proxy" ]; then
    mkdir -p "$work"
    (cd "$root" && mvn -B -q dependency:copy -Dartifact=org.gaul:s3proxy:4.0.0:jar:jar-with-dependencies \
      -DoutputDirectory="$work" -Dmdep.stripVersion=true) && mv "$work/s3proxy-jar-with-dependencies.jar" "$s3proxy" || true
  fi;;
esac
if [ -z "${BENCH_CLASSES:-}" ]; then
  mkdir -p "$classes/empty"
  "$javac_bin" --release 17 -d "$classes" "$root"/scripts/bench/*.java "$root/scripts/bench/startup/Hello.java"
  "$javac_bin" --release 17 -d "$classes/empty" "$root/scripts/bench/startup/EmptyAgent.java"
  printf 'Premain-Class: EmptyAgent\n' > "$classes/empty/manifest.txt"
  "$jar_bin" cfm "$classes/empty-agent.jar" "$classes/empty/manifest.txt" -C "$classes/empty" EmptyAgent.class
fi
exec "$java_bin" -cp "$classes" Bench --jar="$jar" --work="$work" --classes="$classes" \
  --java="$java_bin" --reps="${1:-5}" --inputs="$inputs" --sections="${BENCH_SECTIONS:-startup,restore,save,s3}" \
  --s3proxy="$s3proxy" --s3-speed-kbs="${BENCH_S3_SPEED_KBS:-25000}" --s3-latency-ms="${BENCH_S3_LATENCY_MS:-20}" \
  --tmpfs="$tmpfs" --out="${OUT_MD:-$work/results.md}"
