#!/usr/bin/env bash
# Side-by-side: our FAX reader (workers::fax) against zxing-cpp (PyPI) reading the same pages with
# Pillow/libtiff, as document-management systems do. Prints decode rate and median ms per page,
# per channel. Not part of CI (it installs from PyPI and takes a few minutes).
#
#   bash benches/zxing_compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for t in gs pdftoppm img2pdf; do command -v $t >/dev/null || { echo "needs ghostscript, poppler-utils and img2pdf"; exit 1; }; done
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q zxing-cpp pillow numpy

# The corpus: our own forms, through real FAX devices, plus degraded variants.
cargo run -q --release -p consentflow-workers --example make_forms -- "$work" >/dev/null
key=bench-key
for f in "$work"/form*.pdf; do
  b=$(basename "$f" .pdf)
  for dev in tiffg3 tiffg32d tiffg4; do
    gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=$dev -r204x98 -sOutputFile="$work/std-$dev-$b.tif" "$f"
    gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=$dev -r204x196 -sOutputFile="$work/fine-$dev-$b.tif" "$f"
  done
  for deg in 2 -3 180; do
    gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=tiffg4 -r204x196 -sOutputFile="$work/skew$deg-$b.tif" \
      -c "<</BeginPage{pop 297.64 420.945 translate $deg rotate -297.64 -420.945 translate}>> setpagedevice" -f "$f"
  done
  gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=jpeggray -r300 -sOutputFile="$work/jpeg300-$b-%d.jpg" "$f"
  # The vector form mailed back as it was printed: we rasterise with hayro, the peer with pdftoppm.
  cp "$f" "$work/vector-$b.pdf"
  # A scanner's black-and-white PDF: a 1-bit PNG wrapped by img2pdf (Flate, /Predictor 15).
  for dpi in 200 300; do
    gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pngmono -r$dpi -sOutputFile="$work/mono$dpi-$b-%d.png" "$f"
    for png in "$work"/mono$dpi-$b-*.png; do
      img2pdf "$png" -o "$work/flate$dpi-$b-$(basename "$png" .png | sed 's/.*-//').pdf"
    done
    rm -f "$work"/mono$dpi-$b-*.png
  done
done
# Noise: flip 1 pixel in 150 of the fine G4 pages, written back as G4 by Pillow.
"$work/venv/bin/python" - "$work" <<'PY'
import sys, glob, random
from PIL import Image, ImageSequence
random.seed(7)
for path in glob.glob(sys.argv[1] + "/fine-tiffg4-*.tif"):
    frames = []
    for frame in ImageSequence.Iterator(Image.open(path)):
        im = frame.convert("1")
        px = im.load()
        w, h = im.size
        for _ in range(w * h // 150):
            x, y = random.randrange(w), random.randrange(h)
            px[x, y] = 255 - px[x, y]
        frames.append(im)
    out = path.replace("fine-tiffg4-", "noise-")
    frames[0].save(out, compression="group4", save_all=True, append_images=frames[1:], dpi=(204, 196))
PY

cargo run -q --release -p consentflow-workers --example fax_scan -- "$key" "$work"/*.tif "$work"/*.jpg "$work"/vector-*.pdf "$work"/flate*.pdf > "$work/ours.tsv"

"$work/venv/bin/python" - "$work" > "$work/zxing.tsv" <<'PY'
import sys, glob, time, subprocess, tempfile
import zxingcpp
from PIL import Image, ImageSequence
def cf1(image):
    return [r for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode) if r.text.startswith("CF1:")]
# PDFs: pdftoppm at 200 dpi, then zxing; the rasterising counts, as it does in such a pipeline.
# The 1-bit Flate PDFs are rasterised the same way (a scanner's PDF is just as opaque to it).
for path in sorted(glob.glob(sys.argv[1] + "/vector-*.pdf") + glob.glob(sys.argv[1] + "/flate*.pdf")):
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        subprocess.run(["pdftoppm", "-r", "200", "-gray", path, d + "/p"], check=True)
        pages = sorted(glob.glob(d + "/p*"))
        raster_ms = (time.perf_counter() - t) * 1000 / len(pages)
        for i, page in enumerate(pages):
            t = time.perf_counter()
            found = cf1(Image.open(page).convert("L"))
            ms = raster_ms + (time.perf_counter() - t) * 1000
            print(f"{path}\t{i+1}\t{'ok' if found else 'miss'}\t-\t{ms:.2f}")
files = sorted(glob.glob(sys.argv[1] + "/*.tif") + glob.glob(sys.argv[1] + "/*.jpg"))
for path in files:
    t0 = time.perf_counter()
    im = Image.open(path)
    for i, frame in enumerate(ImageSequence.Iterator(im)):
        t = time.perf_counter()
        g = frame.convert("L")
        found = cf1(g)
        ms = (time.perf_counter() - t) * 1000
        print(f"{path}\t{i+1}\t{'ok' if found else 'miss'}\t-\t{ms:.2f}")
PY

python3 - "$work" <<'PY'
import sys, statistics, re, os
def load(name):
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(sys.argv[1], name))]
    out = {}
    for path, page, ok, stage, ms in rows:
        ch = re.sub(r"-form.*", "", os.path.basename(path))
        ch = re.sub(r"-\d+$", "", ch)
        out.setdefault(ch, []).append((ok == "ok", float(ms)))
    return out
ours, zx = load("ours.tsv"), load("zxing.tsv")
print(f"{'channel':<16}{'pages':>6}  {'ours rate':>9} {'ours ms':>8}  {'zxing rate':>10} {'zxing ms':>9}")
for ch in sorted(ours):
    o, z = ours[ch], zx.get(ch, [])
    rate = lambda r: f"{100*sum(k for k,_ in r)/len(r):.0f}%" if r else "-"
    med = lambda r: f"{statistics.median(m for _,m in r):.1f}" if r else "-"
    print(f"{ch:<16}{len(o):>6}  {rate(o):>9} {med(o):>8}  {rate(z):>10} {med(z):>9}")
PY
