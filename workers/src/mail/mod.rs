//! E-mail to documents: the attachments of a FAX gateway's message (nested multiparts and
//! forwarded messages included), and the sender context (From, Subject, Date, the sending FAX
//! number). mail-parser decodes ISO-2022-JP, Shift_JIS and EUC-JP and RFC 2231 file names.

use chrono::{DateTime, Utc};
use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use unicode_normalization::UnicodeNormalization;

use crate::fax::{self, Kind};

pub mod read;

/// The sender context read from the message's headers.
#[derive(Debug, Default, Clone)]
pub struct Context {
    pub message_id: Option<String>,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub fax_number: Option<String>,
}

/// More attachments than this in one message are listed as not read (a hostile message).
pub const MAX_DOCUMENTS: usize = 100;
/// Forwarded inside forwarded inside…: deeper than this is not followed.
const MAX_DEPTH: usize = 5;

/// One attachment.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub file_name: Option<String>,
    pub media_type: String,
    pub bytes: Vec<u8>,
    /// What the reader takes it for; `None`: not a FAX document, listed and skipped.
    pub kind: Option<Kind>,
    /// Its base64 was damaged (junk characters, a broken line, no padding) and decoded again
    /// leniently, as common mail clients do.
    pub repaired: bool,
}

#[derive(Debug, Default)]
pub struct Parsed {
    pub context: Context,
    pub attachments: Vec<Attachment>,
    /// Attachments beyond [`MAX_DOCUMENTS`], not read.
    pub dropped: usize,
}

/// Parses a raw message. `None` when it is not a message at all.
pub fn parse(raw: &[u8]) -> Option<Parsed> {
    let mut message = MessageParser::default().parse(raw)?;
    // Anything parses as some message; an e-mail has at least one of these headers.
    let looks_like_mail = message.from().is_some()
        || message.subject().is_some()
        || message.message_id().is_some()
        || message.date().is_some()
        || message.content_type().is_some();
    if !looks_like_mail {
        return None;
    }
    let mut out = Parsed {
        context: context(&message),
        ..Parsed::default()
    };
    if out.context.fax_number.is_none() {
        // A forwarded FAX: the number is in the original's subject or body.
        out.context.fax_number = forwarded_numbers(&message, 0);
    }
    // Last: it takes the attachments' bodies out of the message.
    collect(&mut message, 0, &mut out);
    Some(out)
}

fn context(m: &Message<'_>) -> Context {
    let subject = m.subject().map(str::to_string);
    let body = m.body_text(0).map(|b| b.into_owned());
    let fax_number = subject
        .as_deref()
        .and_then(fax_number)
        .or_else(|| body.as_deref().and_then(fax_number));
    Context {
        message_id: m.message_id().map(str::to_string),
        sender: m
            .from()
            .and_then(|f| f.first())
            .and_then(|a| a.address())
            .map(str::to_string),
        subject,
        sent_at: m
            .date()
            .and_then(|d| DateTime::<Utc>::from_timestamp(d.to_timestamp(), 0)),
        fax_number,
    }
}

fn forwarded_numbers(m: &Message<'_>, depth: usize) -> Option<String> {
    if depth >= MAX_DEPTH {
        return None;
    }
    m.attachments()
        .filter_map(|p| p.message())
        .find_map(|inner| {
            context(inner)
                .fax_number
                .or_else(|| forwarded_numbers(inner, depth + 1))
        })
}

/// Moves each attachment's decoded body out of the message (a 50 MB attachment is not copied).
fn collect(m: &mut Message<'_>, depth: usize, out: &mut Parsed) {
    for i in 0..m.attachments.len() {
        let Some(part) = m.parts.get_mut(m.attachments[i] as usize) else {
            continue;
        };
        if let PartType::Message(inner) = &mut part.body {
            if depth < MAX_DEPTH {
                collect(inner, depth + 1, out);
            }
            continue;
        }
        if out.attachments.len() >= MAX_DOCUMENTS {
            out.dropped += 1;
            continue;
        }
        let media_type = part
            .content_type()
            .map(|c| match c.subtype() {
                Some(s) => format!("{}/{}", c.ctype(), s),
                None => c.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".into())
            .to_ascii_lowercase();
        let file_name = part.attachment_name().map(str::to_string);
        let mut bytes = match std::mem::take(&mut part.body) {
            PartType::Binary(b) | PartType::InlineBinary(b) => b.into_owned(),
            PartType::Text(t) | PartType::Html(t) => t.into_owned().into_bytes(),
            PartType::Message(_) | PartType::Multipart(_) => vec![],
        };
        let mut kind = fax::sniff(&bytes);
        let mut repaired = false;
        let base64 = part
            .content_transfer_encoding()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("base64"));
        if kind.is_none() && base64 {
            let (from, to) = (part.offset_body as usize, part.offset_end as usize);
            let body = m.raw_message.get(from..to).unwrap_or_default();
            if let Some(fixed) = lenient_base64(body).filter(|b| fax::sniff(b).is_some()) {
                kind = fax::sniff(&fixed);
                bytes = fixed;
                repaired = true;
            }
        }
        out.attachments.push(Attachment {
            file_name,
            media_type,
            bytes,
            kind,
            repaired,
        });
    }
}

/// Decodes base64 as forgiving mail clients do: characters outside the alphabet (junk a
/// gateway inserted, broken line ends, stray `=`) are skipped, padding is optional, and a
/// dangling last character is dropped. `None` when nothing decodes.
pub fn lenient_base64(body: &[u8]) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine;
    let mut clean: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .collect();
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    let config = GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let decoded = GeneralPurpose::new(&base64::alphabet::STANDARD, config)
        .decode(&clean)
        .ok()?;
    (!decoded.is_empty()).then_some(decoded)
}

/// The first telephone number in a text: Japanese numbers of 10 or 11 digits starting 0, or
/// +81 followed by the number without its 0. Full-width digits and the usual separators are
/// allowed; a following count ("1枚", "2 pages") is not taken as part of the number.
pub fn fax_number(text: &str) -> Option<String> {
    let text: String = text.nfkc().collect();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !(chars[i].is_ascii_digit() || chars[i] == '+') {
            i += 1;
            continue;
        }
        // The run of digit groups and separators starting here.
        let mut groups: Vec<String> = vec![String::new()];
        let mut j = i;
        while j < chars.len()
            && (chars[j].is_ascii_digit() || matches!(chars[j], '-' | ' ' | '(' | ')' | '+'))
        {
            if chars[j].is_ascii_digit() {
                groups.last_mut().unwrap().push(chars[j]);
            } else if !groups.last().unwrap().is_empty() {
                groups.push(String::new());
            }
            j += 1;
        }
        groups.retain(|g| !g.is_empty());
        let international = chars[i] == '+' && groups.first().is_some_and(|g| g.starts_with("81"));
        let mut number = String::new();
        for (k, g) in groups.iter().enumerate() {
            number.push_str(g);
            let candidate = if international {
                format!("0{}", &number[2..])
            } else {
                number.clone()
            };
            let next = groups.get(k + 1).map_or(0, String::len);
            if candidate.starts_with('0')
                && (10..=11).contains(&candidate.len())
                // "029-265-8332 1枚": a short group after ten digits is a count, not a digit.
                && (next == 0 || candidate.len() + next > 11 || (candidate.len() == 10 && next < 3))
            {
                return Some(candidate);
            }
        }
        i = j.max(i + 1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fax_numbers_are_found_in_the_usual_spellings() {
        for (text, want) in [
            ("FAX受信: 029-212-3752 から 2ページ", Some("0292123752")),
            ("FAX受信 029-265-8332 1枚", Some("0292658332")),
            ("From ０２９（２１２）３７５２", Some("0292123752")),
            ("+81 29 212 3752", Some("0292123752")),
            ("携帯 090-1234-5678", Some("09012345678")),
            ("受付番号 12345 / 2026-11-25", None),
            ("no number", None),
        ] {
            assert_eq!(fax_number(text).as_deref(), want, "{text}");
        }
    }

    fn encoded(enc: &'static encoding_rs::Encoding, text: &str) -> Vec<u8> {
        enc.encode(text).0.into_owned()
    }

    #[test]
    fn japanese_in_shift_jis_and_euc_jp_and_nested_parts_are_read() {
        use base64::Engine;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let subject = b64(&encoded(
            encoding_rs::SHIFT_JIS,
            "FAX受信 送信元 029-212-3752",
        ));
        let raw = format!(
            "From: =?Shift_JIS?B?{}?= <gw@example.jp>\r\nSubject: =?Shift_JIS?B?{subject}?=\r\n\
             Message-ID: <sjis@gw>\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\n\
             Content-Type: multipart/alternative; boundary=\"i\"\r\n\r\n--i\r\n\
             Content-Type: text/plain; charset=EUC-JP\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\
             --i--\r\n--o\r\nContent-Type: application/pdf\r\n\
             Content-Disposition: attachment; filename*=ISO-2022-JP''{}\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--o--\r\n",
            b64(&encoded(encoding_rs::SHIFT_JIS, "ゲートウェイ")),
            b64(&encoded(encoding_rs::EUC_JP, "柴田介護保険事務所より")),
            encoded(encoding_rs::ISO_2022_JP, "同意書.pdf")
                .iter()
                .map(|b| format!("%{b:02X}"))
                .collect::<String>(),
            b64(b"%PDF-1.4 not really"),
        )
        .into_bytes();
        let p = parse(&raw).expect("a message");
        assert_eq!(
            p.context.subject.as_deref(),
            Some("FAX受信 送信元 029-212-3752")
        );
        assert_eq!(p.context.fax_number.as_deref(), Some("0292123752"));
        assert_eq!(p.context.sender.as_deref(), Some("gw@example.jp"));
        assert_eq!(p.attachments.len(), 1, "the text body is not an attachment");
        let a = &p.attachments[0];
        assert_eq!(a.file_name.as_deref(), Some("同意書.pdf"));
        assert_eq!(
            (a.media_type.as_str(), a.kind),
            ("application/pdf", Some(Kind::Pdf))
        );
        let m = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(m.body_text(0).as_deref(), Some("柴田介護保険事務所より"));
    }

    /// A FAX gateway's message whose TIFF attachment has junk characters and a broken line in
    /// its base64.
    fn damaged_message(body: &str) -> Vec<u8> {
        format!(
            "From: gw@example.jp\r\nSubject: FAX 029-212-3752\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
             Content-Type: image/tiff; name=\"fax.tif\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
             {body}\r\n--b--\r\n"
        )
        .into_bytes()
    }

    #[test]
    fn damaged_base64_is_decoded_leniently_and_marked() {
        use base64::Engine;
        let tiff: Vec<u8> = b"II*\0\x08\0\0\0"
            .iter()
            .copied()
            .chain((0..200u32).map(|i| (i * 7) as u8))
            .collect();
        let clean = base64::engine::general_purpose::STANDARD.encode(&tiff);
        // Junk inside, a line broken in two with a stray character, padding lost.
        let (a, b) = clean.split_at(40);
        let damaged = format!("{a}!!*\r\n ~{}", b.trim_end_matches('='));
        let p = parse(&damaged_message(&damaged)).expect("a message");
        let att = &p.attachments[0];
        assert_eq!(att.kind, Some(Kind::Tiff));
        assert!(att.repaired);
        assert_eq!(att.bytes, tiff);
        // An intact one is not marked.
        let p = parse(&damaged_message(&clean)).unwrap();
        assert!(!p.attachments[0].repaired);
        assert_eq!(p.attachments[0].bytes, tiff);
        // Still not a document after repair: skipped as before.
        let text = base64::engine::general_purpose::STANDARD.encode(b"hello, not a fax");
        let p = parse(&damaged_message(&format!("{text}##"))).unwrap();
        assert_eq!(
            (p.attachments[0].kind, p.attachments[0].repaired),
            (None, false)
        );
    }

    #[test]
    fn a_bare_file_is_not_a_message() {
        assert!(parse(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj").is_none());
        assert!(parse(b"").is_none());
    }
}
