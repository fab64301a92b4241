#!/usr/bin/env bash
# Side-by-side: our consent form renderer (workers::form) against ReportLab (PyPI), the
# usual Python way to make such a PDF. ReportLab draws the very same operations — every text run,
# line and QR module of our form, exported as marks by `examples/form_ops` — in the same font (IPAex
# Gothic, embedded as a subset), so the two differ only in the PDF library. Our QR codes are
# encoded in our time and handed to ReportLab as rectangles, which favours ReportLab. Both
# parse the font once, outside the loop, as the service does. Not part of CI (installs from PyPI).
#
#   bash benches/reportlab_compare.sh        # prints ms per form for both, and the sizes
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q reportlab
cargo run -q --release -p consentflow-workers --example form_ops -- "$work"
cat > "$work/draw.py" <<'PY'
import io, json, sys, time
from reportlab.pdfgen import canvas
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

pdfmetrics.registerFont(TTFont("IPAexG", sys.argv[1]))  # parsed once, as in the service
A4 = (595.2756, 841.8898)

def draw(pages):
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    for marks in pages:
        for m in marks:
            k = m["type"]
            if k == "text":
                t = c.beginText()
                t.setTextOrigin(m["x"], m["y"])
                t.setFont("IPAexG", m["size"])
                t.textOut(m["text"])
                c.drawText(t)
            elif k == "line":
                x1, y1, x2, y2 = m["points"]
                c.setLineWidth(m["width"])
                c.line(x1, y1, x2, y2)
            elif k == "rects":
                path = c.beginPath()
                for x, y, w, h in m["rects"]:
                    path.rect(x, y, w, h)
                c.drawPath(path, stroke=0, fill=1)
            elif k == "fill":
                c.setFillColorRGB(*[v / 255 for v in m["rgb"]])
            elif k == "stroke":
                c.setStrokeColorRGB(*[v / 255 for v in m["rgb"]])
            else:
                raise SystemExit("unknown mark " + k)
        c.showPage()
    c.save()
    return out.getvalue()

for name in sys.argv[2:]:
    pages = json.load(open(name))
    pdf = draw(pages)
    runs = []
    for _ in range(30):
        t0 = time.perf_counter()
        draw(pages)
        runs.append((time.perf_counter() - t0) * 1000)
    runs.sort()
    print(f"reportlab {name.rsplit('/', 1)[-1][:-5]}: {runs[len(runs) // 2]:.2f} ms median, {len(pdf)} bytes")
PY
"$work/venv/bin/python" "$work/draw.py" forms/fonts/ipaexg.ttf "$work/form_1_page.json" "$work/form_2_pages.json"
echo "ours (criterion, same forms):"
cargo bench -q --bench render -- form_ 2>&1 | grep -E "^form_|time:"
