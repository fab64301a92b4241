use super::*;

pub fn sample(team: usize) -> FormData {
    demo_data(10, team)
}

pub fn key() -> SigningKey {
    SigningKey {
        id: 'A',
        key: b"test-key".to_vec(),
    }
}

fn v1() -> Template {
    template::builtin(1).unwrap().0
}

#[test]
fn a_short_team_fits_one_page_and_every_payload_verifies() {
    let r = render(&v1(), &sample(3), &key()).unwrap();
    assert!(r.pdf.starts_with(b"%PDF-"));
    assert_eq!(r.payloads.len(), 1);
    let p = Payload::verify(&r.payloads[0], |_| Some(b"test-key".as_slice())).unwrap();
    assert_eq!((p.page, p.pages, p.version), (1, 1, 1));
}

#[test]
fn a_long_team_continues_on_more_pages() {
    let r = render(&v1(), &sample(25), &key()).unwrap();
    assert!(r.payloads.len() >= 2, "{}", r.payloads.len());
    let n = r.payloads.len() as u8;
    for (i, text) in r.payloads.iter().enumerate() {
        let p = Payload::verify(text, |_| Some(b"test-key".as_slice())).unwrap();
        assert_eq!((p.page, p.pages), (i as u8 + 1, n));
    }
}

#[test]
fn same_inputs_give_identical_bytes() {
    let a = render(&v1(), &sample(2), &key()).unwrap();
    let b = render(&v1(), &sample(2), &key()).unwrap();
    assert_eq!(a.pdf, b.pdf);
    let mut other = sample(2);
    other.subject.as_mut().unwrap().name = "山田 太郎".into();
    assert_ne!(render(&v1(), &other, &key()).unwrap().pdf, a.pdf);
}

#[test]
fn gaiji_is_refused_by_field() {
    let mut d = sample(1);
    d.subject.as_mut().unwrap().name = "𠮷田 花子".into();
    assert_eq!(
        render(&v1(), &d, &key()).unwrap_err(),
        FormError::MissingGlyphs {
            field: "name",
            chars: vec!['𠮷']
        }
    );
}

#[test]
fn an_over_long_field_is_refused_with_its_limit() {
    let mut d = sample(1);
    d.team[0].office = "とても長い名前の事業所".repeat(4);
    match render(&v1(), &d, &key()).unwrap_err() {
        FormError::TooLong {
            field: "team.office",
            max,
        } => assert!((10..30).contains(&max), "{max}"),
        e => panic!("{e:?}"),
    }
}

#[test]
fn the_blank_variant_still_carries_its_codes() {
    let mut d = sample(0);
    d.subject = None;
    d.obtainer = None;
    let r = render(&v1(), &d, &key()).unwrap();
    assert_eq!(r.payloads.len(), 1);
    assert!(Payload::verify(&r.payloads[0], |_| Some(b"test-key".as_slice())).is_ok());
}

#[test]
#[ignore = "writes /tmp/form-sample.pdf for a person to look at"]
fn write_sample() {
    let r = render(&v1(), &sample(3), &key()).unwrap();
    std::fs::write("/tmp/form-sample.pdf", &r.pdf).unwrap();
    let mut d = sample(0);
    d.subject = None;
    d.obtainer = None;
    std::fs::write(
        "/tmp/form-blank.pdf",
        render(&v1(), &d, &key()).unwrap().pdf,
    )
    .unwrap();
    std::fs::write(
        "/tmp/form-long.pdf",
        render(&v1(), &sample(25), &key()).unwrap().pdf,
    )
    .unwrap();
}

#[test]
#[ignore = "timing of the one-off base font subset, run with --release --ignored --nocapture"]
fn base_font_build_time() {
    let t = std::time::Instant::now();
    let _ = font::font();
    let full = t.elapsed();
    let _ = font::base();
    eprintln!(
        "full font parse {full:?}, base subset {:?}",
        t.elapsed() - full
    );
}
