#!/usr/bin/env bash
# End to end on a GPU machine (README, "On a GPU"): a Java inference server whose Python worker
# torch.compiles GPT-2, started with -javaagent:b10-transfer.jar and environment variables only,
# against a local directory standing in for the shared store.
#   1. cold: empty store, empty local cache; stopped with SIGTERM, the agent saves at exit
#   2. restored: a fresh, empty local cache that the agent restores before main
#   3. warm, no agent: the cache already in place (the best possible start)
#   runs 2 and 3 alternate REPS times; then
#   4. unused: the agent restores the GPT-2 cache for a worker with another hidden size
# Prints seconds to ready, the worker's FX-graph cache hits and misses, and the agent's lines.
# Environment: JAVA (default java), SERVER_CLASSES (a compiled InferenceServer, for a runtime
# without javac), REPS (default 3), PYTHON (default python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jar="${JAR:-$here/../agent/target/b10-transfer.jar}"
java="${JAVA:-java}"
reps="${REPS:-3}"
work=$(mktemp -d "${TMPDIR:-/tmp}/b10-e2e.XXXXXX")
trap 'rm -rf "$work"' EXIT
classes="${SERVER_CLASSES:-}"
if [ -z "$classes" ]; then
  classes="$work/classes"
  javac -d "$classes" "$here/gpu-server/InferenceServer.java"
fi
mkdir -p "$work/store"
export B10FS_CACHE_DIR="$work/store" PYTHONUNBUFFERED=1

# run NAME AGENT(yes|no) HOLD_SECONDS [VAR=VALUE...]: start, wait for ready, one request, SIGTERM
run() {
  local name=$1 agent=$2 hold=$3; shift 3
  local flags=(--enable-native-access=ALL-UNNAMED)
  [ "$agent" = yes ] && flags+=("-javaagent:$jar")
  env "$@" "$java" "${flags[@]}" -cp "$classes" InferenceServer "$here/gpu-server/worker.py" \
    >"$work/$name.out" 2>"$work/$name.err" &
  local pid=$! waited=0
  until grep -q '^SERVER READY' "$work/$name.out"; do
    sleep 0.2; waited=$((waited + 1))
    if ! kill -0 "$pid" 2>/dev/null || [ $waited -gt 1500 ]; then
      echo "$name: the server did not get ready"; cat "$work/$name.out" "$work/$name.err"; return 1
    fi
  done
  local port; port=$(sed -n 's/^SERVER READY port=\([0-9]*\).*/\1/p' "$work/$name.out")
  "${PYTHON:-python3}" -c "import urllib.request as u; print('  request:', u.urlopen(u.Request('http://127.0.0.1:$port/infer', data=b'x')).read().decode())"
  sleep "$hold"
  kill -TERM "$pid"; wait "$pid" || true
  echo "$name: $(sed -n 's/^SERVER READY port=[0-9]* //p' "$work/$name.out")"
  grep 'b10-transfer' "$work/$name.err" | sed 's/^/  /' || true
}

echo "== 1. cold: empty store, empty local cache"
run cold yes 0 TORCHINDUCTOR_CACHE_DIR="$work/cold"
ls -l "$work/store" | sed 's/^/  /'
for i in $(seq "$reps"); do
  rm -rf "$work/restored"
  echo "== 2. restored by the agent (round $i)"
  run "restored-$i" yes 0 TORCHINDUCTOR_CACHE_DIR="$work/restored"
  echo "== 3. cache already in place, no agent (round $i)"
  run "warm-$i" no 0 TORCHINDUCTOR_CACHE_DIR="$work/restored"
done
echo "== 4. unused: the GPT-2 cache restored for a worker with hidden size 512"
run unused yes 8 TORCHINDUCTOR_CACHE_DIR="$work/unused" WORKER_EMBD=512 B10_TRANSFER_SAVE_ON_EXIT=false
