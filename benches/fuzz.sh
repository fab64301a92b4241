#!/usr/bin/env bash
# Fuzzes the document engine (issue #9): MIME, PDF page extraction, TIFF decoding and the QR
# payload parser, each for FUZZ_SECONDS (600) with libFuzzer through cargo-fuzz. Not run in CI.
#
#   bash benches/fuzz.sh                 # all four, one after another
#   FUZZ_PARALLEL=2 bash benches/fuzz.sh # two at a time (one per core)
#   bash benches/fuzz.sh pdf tiff        # some of them
#
# The machine has one stable toolchain, so libFuzzer runs without a sanitizer (`-s none`, which
# cargo-fuzz supports on stable): Rust's own checks (bounds, overflow in the debug assertions
# cargo-fuzz turns on, explicit asserts in the harnesses) make a panic, and libFuzzer catches
# panics, timeouts (-timeout) and memory blow-ups (-rss_limit_mb).
#
# Findings land in workers/fuzz/artifacts/<target>/. Keep each one as a regression test by
# copying it into workers/tests/fuzz_regressions/<target>/ once fixed (`cargo test -p
# consentflow-workers --test fuzz_regressions` replays them all).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${FUZZ_SECONDS:-600}
parallel=${FUZZ_PARALLEL:-1}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(mime pdf tiff payload)

command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz

corpus=$root/workers/fuzz/corpus
if [ ! -d "$corpus/pdf" ]; then
  echo "==> seeding the corpus"
  cargo run -q -p consentflow-workers --example fuzz_seeds -- "$corpus"
  mkdir -p "$corpus/tiff"
  if command -v gs >/dev/null; then
    gs -q -dNOPAUSE -dBATCH -sDEVICE=tiffg4 -r204x196 -sOutputFile="$corpus/tiff/g4.tif" "$corpus/pdf/form-1.pdf"
    gs -q -dNOPAUSE -dBATCH -sDEVICE=tiffg3 -r204x98 -sOutputFile="$corpus/tiff/g3.tif" "$corpus/pdf/form-1.pdf"
    gs -q -dNOPAUSE -dBATCH -sDEVICE=tifflzw -r100 -sOutputFile="$corpus/tiff/lzw.tif" "$corpus/pdf/form-1.pdf"
  fi
  # What the regression suite keeps is a good start too.
  for t in mime pdf tiff payload; do
    cp "$root/workers/tests/fuzz_regressions/$t/"* "$corpus/$t/" 2>/dev/null || true
  done
fi

cd workers
echo "==> building the targets"
cargo fuzz build -s none -O

run() {
  local t=$1
  mkdir -p "fuzz/artifacts/$t" "fuzz/logs"
  echo "==> $t for $seconds s (log: workers/fuzz/logs/$t.log)"
  # -timeout: one input over 30 s is a hang; -rss_limit_mb: over 2 GB is a blow-up.
  cargo fuzz run -s none -O "$t" "fuzz/corpus/$t" -- \
    -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
    > "fuzz/logs/$t.log" 2>&1 || echo "!! $t stopped with a finding: see workers/fuzz/artifacts/$t/"
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "fuzz/logs/$t.log" |
    sed "s/^/   $t /" || true
}

running=0
for t in "${targets[@]}"; do
  run "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$parallel" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait
echo "==> findings"
find fuzz/artifacts -type f 2>/dev/null | sed 's/^/   /' || true
