//! The other ways in: upload by centre staff (API multipart, and the upload page), the hot
//! folder of a scan-to-folder printer, and `consentflow intake FILE`.

use std::process::Command;
use std::time::Duration;

use reqwest::Method;

use super::forms::city;
use super::helpers::{eventually, get, login, spawn_app_with, Backend, PASSWORD};
use super::intake::{all_read, printed, state, upload};
use super::mail::{fax_of, tools};

#[tokio::test]
async fn upload_hot_folder_and_command_line() {
    if !tools(&["gs"]) {
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().to_path_buf();
    let app = spawn_app_with(Backend::chosen(), |c| {
        c.intake.folder = Some(root.clone());
        c.intake.folder_poll_ms = 100;
    })
    .await
    .unwrap();
    let a = &app;
    let c = city(a).await;
    let (one, pdf_one) = printed(a, &c, "山田 花子", 1).await;
    let (two, pdf_two) = printed(a, &c, "佐藤 一郎", 1).await;
    let (three, pdf_three) = printed(a, &c, "鈴木 三郎", 1).await;

    // Upload over the API: a FAX and a text file. Care managers may not upload.
    let tiff = fax_of(&pdf_one, "tiffg4", "204x196", None);
    let files: [(&str, &[u8]); 2] = [("fax.tif", &tiff), ("memo.txt", b"not a fax")];
    let r = upload(a, &c.centre, &files).await;
    assert_eq!(r.status(), 202);
    let stored: serde_json::Value = r.json().await.unwrap();
    assert_eq!(stored.as_array().unwrap().len(), 2);
    let r = upload(a, &c.cm, &files).await;
    assert_eq!(r.status(), 403);
    all_read(a, &c.centre).await;
    assert_eq!(state(a, &c, one).await, "copy_received");
    let (_, failed) = a
        .api(
            Method::GET,
            "/api/v1/fax/messages?status=failed",
            &c.centre,
            None,
        )
        .await;
    let failed = failed.as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["file_name"], "memo.txt");
    assert!(failed[0]["error"].as_str().unwrap().contains("PDF・TIFF"));

    // The upload page: drag and drop posts the same multipart form with the CSRF token.
    login(a, "centre", PASSWORD).await;
    let (s, html, _) = get(a, "/fax/upload").await;
    assert_eq!(s, 200);
    assert!(html.contains("FAX の取り込み"));
    let csrf = super::helpers::csrf_of(&html);
    let page_fax = fax_of(&pdf_two, "tiffg32d", "204x196", None);
    let r = a
        .client
        .post(a.url("/fax/upload"))
        // As the page's form sends it: the token first, then the files.
        .multipart(reqwest::multipart::Form::new().text("csrf", csrf).part(
            "file",
            reqwest::multipart::Part::bytes(page_fax.clone()).file_name("scan.tif"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    all_read(a, &c.centre).await;
    assert_eq!(state(a, &c, two).await, "copy_received");

    // The hot folder: a file written in two steps is taken once complete; junk goes to failed/.
    let path = root.join("scan-0001.tif");
    let scan = fax_of(&pdf_three, "tiffg4", "204x196", None);
    std::fs::write(&path, &scan[..scan.len() / 2]).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    std::fs::write(&path, &scan).unwrap();
    std::fs::write(root.join("junk.bin"), b"\x00\x01 not a document").unwrap();
    let moved = eventually(30, || async {
        (root.join("processed/scan-0001.tif").exists() && root.join("failed/junk.bin").exists())
            .then_some(())
    })
    .await;
    assert!(moved.is_some(), "files not moved");
    let reason = std::fs::read_to_string(root.join("failed/junk.bin.reason.txt")).unwrap();
    assert!(reason.contains("PDF・TIFF"), "{reason}");
    assert_eq!(
        std::fs::read(root.join("processed/scan-0001.tif")).unwrap(),
        scan,
        "taken only once complete"
    );
    all_read(a, &c.centre).await;
    assert_eq!(state(a, &c, three).await, "copy_received");

    // The command line reads at once and prints each page's outcome: the same FAX again is
    // recognised.
    let file = folder.path().join("again.tif");
    std::fs::write(&file, &scan).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_consentflow"))
        .arg("intake")
        .arg(&file)
        .env("DATABASE_URL", &a.config.database_url)
        .env("CONSENTFLOW_DATA_DIR", &a.config.data_dir)
        .env("CONSENTFLOW_QR_KEY", "test-qr-key")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("already stored as message"), "{stdout}");
    app.finish().await;
}
