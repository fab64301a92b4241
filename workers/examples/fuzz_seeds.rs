//! Writes the fuzz targets' starting corpus (`benches/fuzz.sh` calls it): consent forms as PDF,
//! signed QR payload texts, and FAX gateway e-mails carrying a form. TIFF seeds are made from the
//! PDFs by ghostscript in the script.

use base64::Engine;
use consentflow_workers::form::{self, demo_data, template, SigningKey};
use consentflow_workers::fuzzing::FUZZ_KEY;
use consentflow_workers::{EnrollmentCode, FormKind, Payload};

fn write(dir: &str, target: &str, name: &str, bytes: &[u8]) {
    let path = format!("{dir}/{target}");
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(format!("{path}/{name}"), bytes).unwrap();
}

fn mail(pdf: &[u8], nested: bool) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(pdf);
    let part = format!(
        "Content-Type: application/pdf; name=\"fax.pdf\"\r\n\
         Content-Disposition: attachment; filename*=UTF-8''%E5%90%8C%E6%84%8F.pdf\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n"
    );
    let inner = if nested {
        format!(
            "Content-Type: message/rfc822\r\n\r\nFrom: gw@example.jp\r\n\
             Subject: FAX 029-212-3752\r\nContent-Type: multipart/mixed; boundary=\"in\"\r\n\r\n\
             --in\r\n{part}--in--\r\n"
        )
    } else {
        part
    };
    format!(
        "From: =?ISO-2022-JP?B?GyRCJVUlISUvJTkbKEI=?= <fax@gw.example.jp>\r\n\
         Subject: =?UTF-8?B?RkFY5Y+X5L+hIDAyOS0yMTItMzc1Mg==?=\r\nMessage-ID: <seed@gw>\r\n\
         Date: Wed, 25 Nov 2026 09:00:00 +0900\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\nFAX\r\n--b\r\n{inner}--b--\r\n"
    )
    .into_bytes()
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: fuzz_seeds DIR");
    let (t, _) = template::builtin(template::latest_builtin()).unwrap();
    let key = SigningKey {
        id: 'A',
        key: FUZZ_KEY.to_vec(),
    };
    let pdf = form::render(&t, &demo_data(1, 3), &key).unwrap().pdf;
    write(&dir, "pdf", "form-1.pdf", &pdf);
    write(
        &dir,
        "pdf",
        "form-2.pdf",
        &form::render(&t, &demo_data(2, 14), &key).unwrap().pdf,
    );
    write(
        &dir,
        "mime",
        "flat.eml",
        &mail(&pdf[..pdf.len().min(4096)], false),
    );
    write(&dir, "mime", "nested.eml", &mail(b"%PDF-1.4 short", true));
    for (n, (page, pages)) in [(1u8, 1u8), (2, 2), (1, 3)].into_iter().enumerate() {
        let p = Payload {
            kind: FormKind::Bessi1,
            code: EnrollmentCode::from_random([n as u8, 2, 3, 4, 5, 6]),
            version: 1,
            page,
            pages,
            key_id: 'A',
        };
        write(
            &dir,
            "payload",
            &format!("p{n}.txt"),
            p.sign(FUZZ_KEY).as_bytes(),
        );
    }
}
