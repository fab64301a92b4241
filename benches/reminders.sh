#!/usr/bin/env bash
# The daily reminder run at city scale (#23, item 2). Goal: the full run at 1,000,000
# enrollments in <= 60 s with <= 100 MB of memory during it. PostgreSQL seeded by
# `consentflow seed` (a year of enrollments, about 39 % of them waiting past a deadline); the
# run is `consentflow schedule run reminders` (the same work as the daily schedule's job), timed
# with its peak RSS. A second run shows the cost of a run that finds every e-mail written
# already. Not part of CI (seeding takes minutes).
#
#   bash benches/reminders.sh                          # 1,000,000 enrollments
#   ENROLLMENTS=100000 bash benches/reminders.sh
#   LOAD_DB=cf_load bash benches/reminders.sh          # seeded once, then kept and reused
#
# Needs: PostgreSQL on 127.0.0.1:5432 (trust auth), psql, GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
for t in psql /usr/bin/time; do command -v $t >/dev/null || { echo "needs $t"; exit 1; }; done
ENROLLMENTS=${ENROLLMENTS:-1000000}
# The run reads pages only for the FAX numbers waiting in the centre's queue: few are enough.
PAGES=${PAGES:-10000}
db=${LOAD_DB:-cf_reminders_$$}
work=$(mktemp -d)
cleanup() {
  [ -z "${LOAD_DB:-}" ] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build -q --release --bin consentflow
bin=target/release/consentflow
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db
export CONSENTFLOW_DATA_DIR=$work
export RUST_LOG=warn
# E-mails are written to the outbox only: nothing is sent during the run.
export CONSENTFLOW_SCHEDULES__ENABLED=false
q() { psql -qtA -h 127.0.0.1 -U postgres -d "$db" -c "$1"; }
exists=$(psql -qtA -h 127.0.0.1 -U postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")
if [ -z "$exists" ]; then
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db"
  start=$(date +%s)
  $bin seed --enrollments "$ENROLLMENTS" --pages "$PAGES"
  echo "seeded in $(( $(date +%s) - start )) s"
  q "VACUUM ANALYZE" >/dev/null
fi
echo "enrollments: $(q "SELECT COUNT(*) FROM enrollments"), waiting on someone: $(q "SELECT COUNT(*) FROM enrollments WHERE state IN ('form_issued','consent_signed','returned','team_registered')")"
run() {
  local before after
  before=$(q "SELECT COUNT(*) FROM outbox")
  /usr/bin/time -f "%e s, peak RSS %M KB" -o "$work/time" $bin schedule run reminders >"$work/out" 2>&1 ||
    { cat "$work/out"; exit 1; }
  after=$(q "SELECT COUNT(*) FROM outbox")
  echo "$1: $(cat "$work/time"), $((after - before)) e-mails written"
}
run "first run "
run "second run"

# SERVE_RSS=1: then `serve` on the same database with its schedules on, as shipped. Its catch-up
# at start runs the day's reminders in the process (finding the e-mails written above, it writes
# none, but walks every enrollment); the mail worker writes the pending e-mails to files. When
# the run is over and no e-mail is pending, `serve` is left alone for IDLE_SECONDS and its memory
# read from /proc (#23: at rest after the reminder run, <= 60 MB).
if [ -n "${SERVE_RSS:-}" ]; then
  idle=${IDLE_SECONDS:-30}
  q "DELETE FROM schedule_firings" >/dev/null # so that the catch-up fires the day's schedules
  CONSENTFLOW_SCHEDULES__ENABLED=true CONSENTFLOW_LISTEN=127.0.0.1:0 \
    RUST_LOG=warn,consentflow::schedule=info $bin serve >"$work/serve.out" 2>"$work/serve.err" &
  spid=$!
  trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null; cleanup' EXIT
  start=$(date +%s)
  peak=0
  rss() { awk '/^VmRSS/ { print $2 }' "/proc/$spid/status"; }
  until grep -q "reminders written" "$work/serve.err" && [ "$(q "SELECT COUNT(*) FROM outbox WHERE status = 'pending'")" = 0 ]; do
    kill -0 $spid 2>/dev/null || { echo "serve ended"; cat "$work/serve.err"; exit 1; }
    [ $(( $(date +%s) - start )) -lt 900 ] || { echo "no reminder run within 900 s"; tail "$work/serve.err"; exit 1; }
    now=$(rss); [ "$now" -gt "$peak" ] && peak=$now
    sleep 1
  done
  echo "serve: reminder run and e-mails done in $(( $(date +%s) - start )) s, RSS peak meanwhile $((peak / 1024)) MB"
  sleep "$idle"
  # Anonymous memory is the process's own; file-backed is the binary's pages it has touched.
  kb() { awk -v k="$1:" '$1 == k { print int($2 / 1024) }' "/proc/$spid/status"; }
  echo "serve at rest ${idle} s later: RSS $(kb VmRSS) MB ($(kb RssAnon) MB anonymous, $(kb RssFile) MB of the binary's pages)"
fi
