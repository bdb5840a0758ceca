#!/usr/bin/env bash
# Runs the browser tests: starts the given chartroom binary on a fresh data directory with
# the demo data, waits until it is ready, runs `node --test` in frontend/e2e, stops it.
set -euo pipefail
bin=${1:?usage: e2e.sh path/to/chartroom}
root=$(cd "$(dirname "$0")/.." && pwd)
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log="$data/server.log"
# Fixture content (a small course, and an item and a lesson carrying script payloads) goes in
# first; --demo then adds the demo program and the shipped content to the same store.
"$bin" content import --data "$data" "$root/frontend/e2e/fixtures/content" >/dev/null
"$bin" serve --demo --data "$data" --addr "127.0.0.1:$port" --base-url "http://127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && grep -q "running at" "$log"; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; exit 1; fi
  sleep 0.5
done
export CHARTROOM_URL="http://127.0.0.1:$port"
# The fees test starts a second server of its own, with stripe-mock and a webhook secret.
export CHARTROOM_BIN="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
export CHROMIUM_PATH=${CHROMIUM_PATH:-$(command -v chromium || echo /usr/bin/chromium)}
cd "$root/frontend"
if ! node --test e2e/; then
  echo "--- server log ---"; tail -50 "$log"; exit 1
fi
