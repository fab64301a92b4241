#!/usr/bin/env bash
# Idle memory of `consentflow serve` (issue #9's goal: ≤ 60 MB RSS at rest).
# Release build, SQLite in a fresh data directory, the demo city, workers and schedules in the
# process; after some work it is left alone for IDLE_SECONDS and measured from /proc.
#   bash benches/idle_rss.sh            # IDLE_SECONDS=30
set -euo pipefail
cd "$(dirname "$0")/.."
idle=${IDLE_SECONDS:-30}
cargo build --release --quiet --bin consentflow
bin=$PWD/target/release/consentflow

dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cd "$dir"
CONSENTFLOW_LISTEN="127.0.0.1:$port" CONSENTFLOW_DATA_DIR="$dir/data" \
  DATABASE_URL="sqlite://$dir/data/consentflow.db" "$bin" serve --demo >"$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$dir/serve.log"; exit 1; }

# Work first, as a day would: `--demo` reads its FAXes at start; then a care manager signs in and
# prints a consent form (the form font is loaded).
jar=$dir/cookies
page() { curl -fsS -c "$jar" -b "$jar" "http://127.0.0.1:$port$1"; }
token() { grep -o 'name="csrf" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//'; }
t=$(page /login | token)
curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$t" \
  --data-urlencode "login=caremgr" --data-urlencode "password=demo-password" \
  "http://127.0.0.1:$port/login"
for code in $(page /enrollments | grep -o 'href="/enrollments/[A-Z0-9]*"' | sed 's/.*enrollments\///; s/"$//'); do
  t=$(page "/enrollments/$code" | token)
  type=$(curl -sS -L -o /dev/null -w '%{content_type}' -c "$jar" -b "$jar" \
    --data-urlencode "csrf=$t" "http://127.0.0.1:$port/enrollments/$code/print")
  if [ "$type" = application/pdf ]; then printed=$code; break; fi
done
echo "consent form printed: ${printed:-none (the demo city has no enrollment to print)}"

sleep "$idle"
grep -E '^(VmRSS|VmHWM)' "/proc/$pid/status"
