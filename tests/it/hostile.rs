//! Hostile input (issue #9), all through one `consentflow intake` process: decompression bombs
//! (a Flate image and a Flate page that inflate to 256 MB, a 100,000 × 100,000 TIFF), a PDF
//! whose object graph loops, a 10,000-part e-mail, a 50 MB attachment, broken base64, a zip and
//! an HTML-only mail, a forged QR code and one signed with another municipality's key. Each ends
//! stored, with a reason the centre can read, and the whole run stays within a time and a peak
//! memory bound (read from the process's own VmHWM while it runs).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use consentflow_workers::form::{self, demo_data, template, SigningKey};

use super::helpers::{spawn_app_with, sql_count, Backend, TestApp};
use super::mail::gateway_mail;

const BIN: &str = env!("CARGO_BIN_EXE_consentflow");

/// A PDF from numbered object bodies, with a correct cross-reference table.
fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = vec![];
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut s = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    s.extend(data);
    s.extend(b"\nendstream");
    s
}

/// 256 MB of `byte`, deflated (about 250 KB).
fn flate_bomb(byte: u8) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![byte; 1 << 20];
    for _ in 0..256 {
        z.write_all(&chunk).unwrap();
    }
    z.finish().unwrap()
}

fn page_tree(page: &str) -> Vec<Vec<u8>> {
    vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        page.as_bytes().to_vec(),
    ]
}

/// A one-page PDF whose page is one full-page image: its dictionary's entries after
/// `/Subtype /Image`, and its stream's bytes as given.
pub fn image_pdf(image: &str, data: &[u8]) -> Vec<u8> {
    let mut objects = page_tree(
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
         /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
    );
    objects.push(stream(
        &format!("/Type /XObject /Subtype /Image {image}"),
        data,
    ));
    objects.push(stream("", b"q 612 0 0 792 0 0 cm /Im0 Do Q"));
    pdf(&objects)
}

fn flate_image_bomb() -> Vec<u8> {
    image_pdf(
        "/Width 1728 /Height 2200 /ColorSpace /DeviceGray /BitsPerComponent 8 \
         /Filter /FlateDecode",
        &flate_bomb(0),
    )
}

fn flate_page_bomb() -> Vec<u8> {
    let mut objects =
        page_tree("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>");
    objects.push(stream("/Filter /FlateDecode", &flate_bomb(b' ')));
    pdf(&objects)
}

fn object_loop() -> Vec<u8> {
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 /Parent 2 0 R >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /Resources 3 0 R /Contents 3 0 R /MediaBox [0 0 612 792] >>"
            .to_vec(),
    ])
}

/// A little-endian TIFF that says 100,000 × 100,000 pixels, CCITT G4, with a few bytes of data.
fn huge_tiff() -> Vec<u8> {
    let entries: [(u16, u16, u32); 8] = [
        (256, 4, 100_000), // ImageWidth
        (257, 4, 100_000), // ImageLength
        (258, 3, 1),       // BitsPerSample
        (259, 3, 4),       // Compression: G4
        (262, 3, 0),       // WhiteIsZero
        (273, 4, 122),     // StripOffsets
        (278, 4, 100_000), // RowsPerStrip
        (279, 4, 16),      // StripByteCounts
    ];
    let mut t = b"II*\0\x08\0\0\0".to_vec();
    t.extend((entries.len() as u16).to_le_bytes());
    for (tag, kind, value) in entries {
        t.extend(tag.to_le_bytes());
        t.extend(kind.to_le_bytes());
        t.extend(1u32.to_le_bytes());
        t.extend(value.to_le_bytes());
    }
    t.extend(0u32.to_le_bytes());
    t.extend([0u8; 16]);
    t
}

fn mail_with_parts(parts: usize) -> Vec<u8> {
    let mut m = b"From: gw@example.jp\r\nSubject: FAX\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n"
        .to_vec();
    for i in 0..parts {
        m.extend(
            format!("--p\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"{i}.png\"\r\n\r\nx\r\n")
                .as_bytes(),
        );
    }
    m.extend(b"--p--\r\n");
    m
}

fn raw_mail(content_type: &str, encoding: &str, body: &str) -> Vec<u8> {
    format!(
        "From: gw@example.jp\r\nSubject: FAX\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n--p\r\n\
         Content-Type: {content_type}\r\nContent-Transfer-Encoding: {encoding}\r\n\
         Content-Disposition: attachment; filename=\"x\"\r\n\r\n{body}\r\n--p--\r\n"
    )
    .into_bytes()
}

fn signed_form(id: char, key: &[u8]) -> Vec<u8> {
    let (t, _) = template::builtin(template::latest_builtin()).unwrap();
    let key = SigningKey {
        id,
        key: key.to_vec(),
    };
    form::render(&t, &demo_data(7, 3), &key).unwrap().pdf
}

/// (file name, bytes, what the intake must say about it: a message error or a page reason).
fn cases() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(50 * 1024 * 1024 + 1, b'0');
    let zip = b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x05\0\0\0a.pdf";
    vec![
        (
            "flate-image.pdf",
            flate_image_bomb(),
            "unreadable: ページを読み取れません",
        ),
        (
            "flate-page.pdf",
            flate_page_bomb(),
            "unreadable: ページを読み取れません",
        ),
        (
            "huge.tif",
            huge_tiff(),
            "unreadable: ページを読み取れません",
        ),
        ("loop.pdf", object_loop(), "failed: ページがありません"),
        (
            "parts.eml",
            mail_with_parts(10_000),
            "failed: 添付ファイルが多すぎます",
        ),
        (
            "big.eml",
            gateway_mail("big@gw", "FAX", "", &[("big.pdf", "application/pdf", &big)]),
            "failed: 読み取れる添付ファイルがありません",
        ),
        (
            "base64.eml",
            raw_mail(
                "application/pdf",
                "base64",
                "JVBERi0xLjQK!!!%%%===QUJD\r\n*&^",
            ),
            "failed: 読み取れる添付ファイルがありません",
        ),
        (
            "zip.eml",
            raw_mail("application/zip", "base64", &b64(zip)),
            "failed: 読み取れる添付ファイルがありません",
        ),
        (
            "html.eml",
            b"From: gw@example.jp\r\nSubject: FAX\r\nMIME-Version: 1.0\r\n\
              Content-Type: text/html; charset=utf-8\r\n\r\n<p><img src=\"cid:fax\">FAX</p>\r\n"
                .to_vec(),
            "failed: FAX の添付ファイルがありません",
        ),
        (
            "forged.pdf",
            signed_form('A', b"not-the-city-key"),
            "invalid: QRコードの署名が一致しません",
        ),
        (
            "other-city.pdf",
            signed_form('Q', b"another-city"),
            "invalid: 登録されていない鍵",
        ),
    ]
}

/// Runs `consentflow intake` on the files; returns its output and its peak resident memory.
fn intake(a: &TestApp, files: Vec<std::path::PathBuf>) -> (String, String, u64) {
    let mut child = Command::new(BIN)
        .arg("intake")
        .args(files)
        .env("DATABASE_URL", &a.config.database_url)
        .env("CONSENTFLOW_DATA_DIR", &a.config.data_dir)
        .env("CONSENTFLOW_QR_KEY", "test-qr-key")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(s) = std::fs::read_to_string(&status) {
            if let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        peak_kb / 1024,
    )
}

#[tokio::test]
async fn hostile_input_is_stored_with_a_reason_in_bounded_time_and_memory() {
    let Some(app) = spawn_app_with(Backend::chosen(), |c| c.run_workers = false).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    let files: Vec<_> = cases
        .iter()
        .map(|(name, bytes, _)| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        })
        .collect();
    // One `consentflow intake` per file, so each one's time and peak memory are its own.
    let mut worst = 0;
    for ((name, _, want), file) in cases.iter().zip(files) {
        let t = Instant::now();
        let (report, stderr, peak_mb) = intake(&app, vec![file]);
        let took = t.elapsed();
        println!("{name:>16}: {took:>10.2?}, peak RSS {peak_mb:>4} MB");
        worst = worst.max(peak_mb);
        let (outcome, reason) = want.split_once(": ").unwrap();
        let said = match outcome {
            "failed" => report
                .lines()
                .next()
                .is_some_and(|l| l.contains(&format!("failed {reason}"))),
            _ => report
                .lines()
                .skip(1)
                .any(|l| l.contains(&format!(": {outcome} — {reason}"))),
        };
        assert!(
            said,
            "{name}: wanted «{want}», the intake said:\n{report}\n{stderr}"
        );
        // Bounds: a page is stopped at its time limit (10 s); the 50 MB attachment is held
        // raw and decoded while it is read.
        assert!(took < Duration::from_secs(60), "{name} took {took:?}");
        assert!(peak_mb < 400, "{name}: peak RSS {peak_mb} MB");
    }
    println!("hostile input: worst peak RSS {worst} MB");
    // Every one is kept (the raw bytes with it), none lost.
    let kept = sql_count(
        &app,
        "SELECT COUNT(*) FROM fax_messages m JOIN blobs b ON b.sha256 = m.raw_sha256 \
         WHERE m.status <> 'stored'",
    )
    .await;
    assert_eq!(kept, cases.len() as i64);
    app.finish().await;
}
