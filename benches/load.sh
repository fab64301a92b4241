#!/usr/bin/env bash
# Load run of the web UI (#6): latency of the centre's FAX inbox and the enrollment list, for the
# centre (all 100,000 enrollments) and a care manager (their office's), with wrk against
# PostgreSQL seeded by `consentflow seed`. Goal: p99 <= 50 ms at 100 concurrent users.
# Two runs per page: 100 people each opening a page, reading it for THINK_MS (default 1000), and
# opening the next (wrk with a delay per connection); and saturation, 100 connections with no
# pause at all, which measures throughput. Not part of CI (seeding and the runs take minutes).
#
#   bash benches/load.sh                       # 100,000 enrollments, 300,000 pages, 30 s a run
#   ENROLLMENTS=20000 PAGES=60000 SECONDS_PER_RUN=10 bash benches/load.sh
#   LOAD_DB=cf_load bash benches/load.sh       # an already seeded database, kept afterwards
#
# Needs: PostgreSQL on 127.0.0.1:5432 (trust auth), wrk (apt-get install wrk), curl.
set -euo pipefail
cd "$(dirname "$0")/.."
for t in wrk curl psql; do command -v $t >/dev/null || { echo "needs $t"; exit 1; }; done
ENROLLMENTS=${ENROLLMENTS:-100000}
PAGES=${PAGES:-300000}
RUN=${SECONDS_PER_RUN:-30}
CONNECTIONS=${CONNECTIONS:-100}
PORT=${PORT:-18080}
THINK_MS=${THINK_MS:-1000}
db=${LOAD_DB:-cf_load_$$}
work=$(mktemp -d)
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  [ -z "${LOAD_DB:-}" ] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build -q --release --bin consentflow
bin=target/release/consentflow
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db
export CONSENTFLOW_DATA_DIR=$work
export CONSENTFLOW_LISTEN=127.0.0.1:$PORT
export RUST_LOG=warn
# wrk's connections all come from 127.0.0.1, as a reverse proxy's would: let them all in (the
# default of 64 per address closed the rest, and wrk counted them as read errors).
export CONSENTFLOW_MAX_CONNECTIONS_PER_ADDRESS=$((CONNECTIONS + 16))
if [ -z "${LOAD_DB:-}" ]; then
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db"
  $bin seed --enrollments "$ENROLLMENTS" --pages "$PAGES"
  psql -q -h 127.0.0.1 -U postgres -d "$db" -c "VACUUM ANALYZE"
fi
# Each connection is one person: a page, then about THINK_MS reading it (half to one and a half
# times, so the 100 do not click in step as wrk's connections would with a fixed pause).
cat > "$work/think.lua" <<LUA
math.randomseed(os.time())
function delay() return math.random($THINK_MS / 2, $THINK_MS * 3 / 2) end
LUA
$bin serve > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

# Signs in through the login form; prints the session cookie.
session() {
  local jar="$work/$1.jar"
  local page csrf
  page=$(curl -s -c "$jar" "http://127.0.0.1:$PORT/login")
  csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' <<<"$page" | head -1)
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "login=$1" \
    --data-urlencode "password=demo-password" --data-urlencode "csrf=$csrf" \
    "http://127.0.0.1:$PORT/login"
  awk '$6 == "cf_session" { print "cf_session=" $7 }' "$jar"
}
centre=$(session centre)
caremgr=$(session caremgr)

run() {
  local label=$1 cookie=$2 path=$3 out
  # The page must answer 200 for this user before it is measured.
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "http://127.0.0.1:$PORT$path")
  [ "$code" = 200 ] || { echo "$path answered $code for $label"; exit 1; }
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${RUN}s" --latency $script -H "Cookie: $cookie" "http://127.0.0.1:$PORT$path")
  # Errors are counted, not fatal: a page that fails under load is a figure too.
  errors=$(awk '/Non-2xx/ { n += $NF } /Socket errors/ { for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i } END { print n + 0 }' <<<"$out")
  ms() { awk -v p="$1" '$1 == p { v=$2; if (v ~ /us$/) { sub(/us/,"",v); v/=1000 } else if (v ~ /ms$/) { sub(/ms/,"",v) } else if (v ~ /s$/) { sub(/s/,"",v); v*=1000 } printf "%.1f", v }' <<<"$out"; }
  printf '%-34s %9s %9s %9s %9s %9s\n' "$label" "$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")" \
    "$(ms 50%)" "$(ms 90%)" "$(ms 99%)" "$errors"
}
pages() {
  printf '%-34s %9s %9s %9s %9s %9s\n' "page (user)" "req/s" "p50 ms" "p90 ms" "p99 ms" "errors"
  run "FAX inbox (centre)" "$centre" "/fax"
  run "enrollment list (centre)" "$centre" "/enrollments"
  run "enrollment list, overdue (centre)" "$centre" "/enrollments?overdue=1"
  run "enrollment list (care manager)" "$caremgr" "/enrollments"
  run "dashboard (centre)" "$centre" "/dashboard"
}
echo "== $CONNECTIONS people, each opening a page every ~${THINK_MS} ms (random ±50 %) plus its response time"
script="-s $work/think.lua"
pages
echo
echo "== saturation: $CONNECTIONS connections, no pause"
script=""
pages
echo "($ENROLLMENTS enrollments, $PAGES pages, $CONNECTIONS connections, ${RUN} s each; server, PostgreSQL and wrk share $(nproc) cores)"
# The job workers run in `serve` as shipped: their state after the runs (up, restarts).
echo "workers: $(curl -s "http://127.0.0.1:$PORT/healthz")"
