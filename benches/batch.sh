#!/usr/bin/env bash
# Batch printing (#23, item 8). Goal: a batch of 200 forms in <= 3 MB and <= 2 s.
# `serve --demo` on the embedded SQLite (release build); a care manager creates 200 enrollments
# of different people over the API and asks for one print batch of all of them: first as new
# forms (the batch issues each one: drawn, stored, its state changed), then again (the stored
# forms fetched and joined). Time from the request to the batch's `done`, and the PDF's size.
# Then item 9: 200 more people, each form printed by its own API request; the time a request
# and the server's CPU time a form. Not part of CI.
#
#   bash benches/batch.sh
#   BIN=target/release/consentflow bash benches/batch.sh   # no build first
#   PROFILE_BATCH=file bash benches/batch.sh   # perf records the server during the first batch
#   PROFILE=file bash benches/batch.sh         # ... during the one-at-a-time phase
#
# Needs: curl, jq, sqlite3, pdfinfo (poppler-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
for t in curl jq sqlite3 pdfinfo; do command -v $t >/dev/null || { echo "needs $t"; exit 1; }; done
N=${N:-200}
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# BIN=path: a binary already built for release.
if [ -z "${BIN:-}" ]; then
  cargo build -q --release --bin consentflow
  BIN=$PWD/target/release/consentflow
fi
bin=$BIN
export DATABASE_URL=sqlite://$work/data.db
export CONSENTFLOW_DATA_DIR=$work
export CONSENTFLOW_LISTEN=127.0.0.1:0
export CONSENTFLOW_SCHEDULES__ENABLED=false
export RUST_LOG=warn
$bin serve --demo >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 600); do
  base=$(sed -n 's/^consentflow listening on \([^ ]*\).*/\1/p' "$work/out")
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || { echo "serve did not start"; cat "$work/err"; exit 1; }
token=$($bin token create --user caremgr)
nursing=$(sqlite3 "$work/data.db" "SELECT id FROM offices WHERE name LIKE '%看護%' LIMIT 1")
api() { curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }

surnames=(佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 清水)
given=(花子 一郎 トメ キヨ 正雄 美代子 勝 ハル 茂 和子)
towns=(千波町 見川 元吉田町 笠原町 赤塚 河和田町 大工町 泉町 南町 城東)
# The i-th person: an enrollment created over the API (its JSON).
enroll() {
  local i=$1 name addr team body
  name="${surnames[$((i % 20))]} ${given[$(((i / 20) % 10))]}"
  addr="茨城県水戸市${towns[$((i % 10))]}$((1 + i % 4))丁目$i-$((i % 9))"
  team=$(jq -nc --argjson o "$nursing" --argjson n $((1 + i % 5)) \
    '[range($n)] | map({office_id: $o, profession: "訪問看護師", name: "港 看護\(.)", phone: "029-270-0002"})')
  body=$(jq -nc --arg name "$name" --arg addr "$addr" --argjson team "$team" \
    '{subject: {name: $name, kana: "ヤマダ ハナコ", birth_date: "1940-04-01", sex: "female", address: $addr, phone: "029-270-1000"}, team: $team}')
  api -X POST "$base/api/v1/enrollments" -d "$body"
}
ids=()
for i in $(seq 0 $((N - 1))); do ids+=("$(enroll "$i" | jq .id)"); done
list=$(printf '%s\n' "${ids[@]}" | jq -sc '{enrollment_ids: .}')

# The server's CPU time (user + system, all its threads; clock ticks) from /proc.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
batch() {
  local start id status took ticks
  ticks=$(cpu_ticks)
  start=$(date +%s.%N)
  id=$(api -X POST "$base/api/v1/print-batches" -d "$list" | jq .id)
  while :; do
    status=$(api "$base/api/v1/print-batches/$id" | jq -r .status)
    [ "$status" = done ] || [ "$status" = failed ] && break
    sleep 0.02
  done
  took=$(echo "$(date +%s.%N) - $start" | bc)
  ticks=$(($(cpu_ticks) - ticks))
  api "$base/api/v1/print-batches/$id/pdf" -o "$work/batch.pdf"
  printf '%-34s %6.2f s  %5d pages  %8d bytes  (%s), server CPU %.2f s\n' "$1" "$took" \
    "$(pdfinfo "$work/batch.pdf" | sed -n 's/^Pages: *//p')" "$(stat -c %s "$work/batch.pdf")" "$status" \
    "$(echo "$ticks / $hz" | bc -l)"
}
[ -n "${PROFILE_BATCH:-}" ] && { perf record -q -F 2000 -g -p "$pid" -o "$PROFILE_BATCH" & bperf=$!; sleep 0.5; }
batch "$N new forms (each issued)"
[ -n "${PROFILE_BATCH:-}" ] && { kill -INT "$bperf"; wait "$bperf" || true; }
batch "the same $N again (stored forms)"

# One form at a time over the API (#23, item 9): N more people, each form printed (first issue:
# drawn, stored, state changed) by its own request over one kept-alive connection.
urls="$work/urls"
: >"$urls"
for i in $(seq "$N" $((2 * N - 1))); do
  code=$(enroll "$i" | jq -r .code)
  printf 'url = "%s/api/v1/enrollments/%s/consent-form"\noutput = "/dev/null"\n' "$base" "$code" >>"$urls"
done
# PROFILE=file: perf records the server meanwhile (`perf report -i file`).
[ -n "${PROFILE:-}" ] && { perf record -q -F 2000 ${PERF_GRAPH:--g} -p "$pid" -o "$PROFILE" & perf=$!; sleep 0.5; }
# The server's context switches (all its threads): a steadier measure than its CPU time on a
# shared machine, and most of what a query costs beyond SQLite's own work.
switches() { cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { n += $2 } END { print n }'; }
before=$(cpu_ticks)
sw=$(switches)
curl -sf -X POST -H "Authorization: Bearer $token" -K "$urls" -w '%{time_total}\n' >"$work/times"
after=$(cpu_ticks)
sw=$(($(switches) - sw))
# SWITCHES_BY_THREAD=1: each thread's switches at the end (for a look at where they come from).
[ -n "${SWITCHES_BY_THREAD:-}" ] && for t in /proc/"$pid"/task/*; do
  printf '%s %s\n' "$(cat "$t/comm")" "$(awk '/ctxt_switches/ { n += $2 } END { print n }' "$t/status")"
done | sort | awk '{ n[$1] += $2; k[$1]++ } END { for (c in n) printf "  %-20s %3d threads %8d switches\n", c, k[c], n[c] }'

[ -n "${PROFILE:-}" ] && { kill -INT "$perf"; wait "$perf" || true; }
sort -n "$work/times" | awk -v n="$N" -v ticks=$((after - before)) -v hz="$hz" -v sw="$sw" '
  { t[NR] = $1 * 1000 }
  END { printf "%-34s %6.2f ms a request (median), server CPU %.2f ms a form, %.1f context switches a form\n",
        "one at a time, " n " first issues", t[int((NR + 1) / 2)], ticks * 1000 / hz / n, sw / n }'
