#!/usr/bin/env bash
# On the GPU machine: a cold compile, a save to a local stand-in store, a fresh local cache restored
# by the CLI, and a warm compile from it; then the same warm compile from a plain copy of the cache.
set -euo pipefail
jar="${1:-$(dirname "$0")/../agent/target/b10-transfer.jar}"
java="${JAVA:-java}"
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
export B10FS_CACHE_DIR="$work/store" TORCHINDUCTOR_CACHE_DIR="$work/cache" PYTHONUNBUFFERED=1
mkdir -p "$B10FS_CACHE_DIR"
echo "== cold";     python3 "$here/gpu-compile.py"
"$java" --enable-native-access=ALL-UNNAMED -jar "$jar" save --json
cp -a "$work/cache" "$work/copy"
rm -rf "$work/cache"
echo "== restore";  "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" load --json
echo "== restored"; python3 "$here/gpu-compile.py"
rm -rf "$work/cache"; cp -a "$work/copy" "$work/cache"
echo "== copied";   python3 "$here/gpu-compile.py"
rm -rf "$work"
