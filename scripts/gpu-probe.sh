#!/usr/bin/env bash
# On a GPU machine: every backend's answer side by side, each in a fresh JVM (so each pays its own
# start-up), then the environment key read from the real torch/triton install.
# Usage: scripts/gpu-probe.sh [path/to/b10-transfer.jar]   (JAVA: the java to use, default java on PATH)
set -uo pipefail
jar="${1:-$(dirname "$0")/../agent/target/b10-transfer.jar}"
java="${JAVA:-java}"
echo "== driver facts per backend (fresh JVM each; ms = time inside the probe)"
for b in panama jna jcuda; do
  "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" probe --backend "$b"
done
echo "== all backends in one JVM, JSON"
"$java" --enable-native-access=ALL-UNNAMED -jar "$jar" probe --json
echo "== with no driver library: the cpu key, and how fast"
B10_TRANSFER_LIBCUDA=/nonexistent/libcuda.so.1 "$java" -jar "$jar" probe --backend auto
echo "== environment key from the python3 on PATH"
"$java" --enable-native-access=ALL-UNNAMED -jar "$jar" key --json
