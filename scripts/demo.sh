#!/usr/bin/env bash
# The main job: a host application started with -javaagent:b10-transfer.jar against a local
# directory standing in for the shared store, seeded from a real TorchInductor cache.
# Shows the restore before main and the save at exit. Run after the build (see the README).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jar="$root/agent/target/b10-transfer.jar"
fixture="${1:-$root/fixtures/inductor-cache-gpt2-h200.tgz}"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
[ -f "$jar" ] || { echo "demo: $jar is missing; build first (see the README)" >&2; exit 2; }
[ -f "$fixture" ] || { echo "demo: fixture $fixture is missing" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/b10-transfer-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/store" "$work/seed" "$work/venv/lib/python3.12/site-packages/torch" "$work/venv/lib/python3.12/site-packages/triton"
# The Python environment the server would run, as files: the key is read from them, never by running Python.
printf "__version__ = '2.11.0+cu130'\ncuda: Optional[str] = '13.0'\n" > "$work/venv/lib/python3.12/site-packages/torch/version.py"
printf "__version__ = '3.6.0'\n" > "$work/venv/lib/python3.12/site-packages/triton/__init__.py"
touch "$work/venv/pyvenv.cfg"

export B10FS_CACHE_DIR="$work/store" B10_TRANSFER_PYTHON="$work/venv"
tar -xzf "$fixture" -C "$work/seed"
seed_dir=$(find "$work/seed" -mindepth 1 -maxdepth 1 -type d | head -1)

echo "== 1. seed the store from $(basename "$fixture") ($(find "$seed_dir" -type f | wc -l) files)"
TORCH_CACHE_DIR="$seed_dir" "$java_bin" -jar "$jar" save
echo
echo "== 2. the host starts with -javaagent and an empty local cache"
export TORCHINDUCTOR_CACHE_DIR="$work/local/torchinductor"
"$java_bin" -javaagent:"$jar" "$root/scripts/demo/HostApp.java"
echo
echo "== 3. the store now holds the host's new kernel too: a layer over the base (only the new file)"
"$java_bin" -jar "$jar" list
echo
echo "== 4. a second replica restores the saved cache, new kernel included"
rm -rf "$work/local"
"$java_bin" -javaagent:"$jar"=SAVE_ON_EXIT=false "$root/scripts/demo/HostApp.java"
