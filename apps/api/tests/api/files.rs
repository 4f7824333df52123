//! The file library over HTTP: uploads recognised by their bytes and
//! refused with nothing stored, folders, links fetched without credentials
//! (signed by the api on local disk; presigned by a real S3-compatible
//! server, s3s-fs), expiry and tampering refused, cross-tenant 404s.

use crate::helpers::{BOTH, Owner, Profile, TestApp, spawn_app_with};
use frontdesk_test_support::S3Server;
use reqwest::Method;
use serde_json::Value;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// Posts a multipart form of `parts` (name, file name, bytes) to `/api/v1/files`.
async fn post_form(app: &TestApp, token: &str, parts: &[(&str, Option<&str>, &[u8])]) -> (u16, Value) {
    let boundary = "frontdesk-files-boundary-91c2";
    let mut body = Vec::new();
    for (name, file_name, bytes) in parts {
        let disposition = match file_name {
            Some(file) => format!("form-data; name=\"{name}\"; filename=\"{file}\""),
            None => format!("form-data; name=\"{name}\""),
        };
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let response = app
        .client
        .post(format!("{}/api/v1/files", app.address))
        .bearer_auth(token)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn query_value<'a>(url: &'a str, name: &str) -> &'a str {
    let query = url.split_once('?').unwrap().1;
    query.split('&').find_map(|kv| kv.strip_prefix(&format!("{name}="))).unwrap()
}

/// Every file under the app's `FILES_DIR/files`.
fn library_files(app: &TestApp) -> Vec<String> {
    app.stored_files("files")
}

async fn the_library_round_trips_and_refuses_what_it_must(profile: Profile) {
    let app = spawn_app_with(profile, &[("FILES_MAX_UPLOAD_MB", "1")]).await;
    let owner = Owner::create(&app, "files.test").await;
    let token = owner.token.as_str();

    let (status, file) =
        post_form(&app, token, &[("file", Some("logo.txt"), PNG), ("folder", None, b"brand/2026")]).await;
    assert_eq!(status, 201, "{file}");
    assert_eq!(file["contentType"], "image/png", "the bytes decide, not the name");
    assert_eq!((file["name"].as_str(), file["folder"].as_str()), (Some("logo.txt.png"), Some("brand/2026/")));
    assert_eq!(file["size"], PNG.len());
    assert_eq!(file["createdBy"], owner.user_id.as_str());
    let key = file["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with(&format!("files/{}/brand/2026/", owner.sub_account_id)), "{key}");
    let id = file["id"].as_str().unwrap().to_owned();
    let (status, notes) = app.upload(token, "/api/v1/files", "notes.csv", b"name,phone\nAna,+14155550100\n").await;
    assert_eq!((status, notes["contentType"].as_str()), (201, Some("text/csv")), "{notes}");

    // Listing: newest first, by folder prefix.
    let (_, all) = app.call(token, Method::GET, "/api/v1/files", None).await;
    assert_eq!(all["total"], 2, "{all}");
    assert_eq!(all["data"][0]["id"], notes["id"]);
    let (_, brand) = app.call(token, Method::GET, "/api/v1/files?prefix=brand", None).await;
    assert_eq!((brand["total"].as_u64(), brand["data"][0]["id"].as_str()), (Some(1), Some(id.as_str())), "{brand}");
    let (_, none) = app.call(token, Method::GET, "/api/v1/files?prefix=bran", None).await;
    assert_eq!(none["total"], 0, "a prefix matches whole segments: {none}");
    let (status, bad) = app.call(token, Method::GET, "/api/v1/files?prefix=..%2Fx", None).await;
    assert_eq!((status, bad["message"][0].as_str().map(|m| m.starts_with("prefix:"))), (400, Some(true)), "{bad}");

    // The link downloads without credentials, as an attachment of the sniffed type.
    let (status, link) = app.call(token, Method::GET, &format!("/api/v1/files/{id}/url?expiresIn=60"), None).await;
    assert_eq!(status, 200, "{link}");
    let url = link["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("http://localhost:") || url.starts_with("http://127.0.0.1:"), "{url}");
    let local = format!("{}{}", app.address, &url[url.find("/files/download").unwrap()..]);
    let fetched = reqwest::get(&local).await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.headers()["content-type"], "image/png");
    assert!(
        fetched.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"logo.txt.png\"")
    );
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), PNG);
    // Tampered: another key with this signature, or a stretched expiry.
    let signature = query_value(&url, "signature");
    let expires: i64 = query_value(&url, "expires").parse().unwrap();
    let notes_key = notes["key"].as_str().unwrap();
    for forged in [
        format!("{}/files/download?key={notes_key}&expires={expires}&signature={signature}", app.address),
        format!("{}/files/download?key={key}&expires={}&signature={signature}", app.address, expires + 86_400),
        format!("{}/files/download?key={key}&expires={expires}&signature=AAAA", app.address),
    ] {
        let refused = reqwest::get(&forged).await.unwrap();
        assert_eq!(refused.status(), 403, "{forged}");
    }
    // Expired: a link of one second, fetched after it.
    let (_, short) = app.call(token, Method::GET, &format!("/api/v1/files/{id}/url?expiresIn=1"), None).await;
    let short = short["url"].as_str().unwrap();
    let short = format!("{}{}", app.address, &short[short.find("/files/download").unwrap()..]);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(reqwest::get(&short).await.unwrap().status(), 410);
    // Out of range: named.
    let (status, bad) = app.call(token, Method::GET, &format!("/api/v1/files/{id}/url?expiresIn=0"), None).await;
    assert_eq!((status, bad["message"][0].as_str().map(|m| m.starts_with("expiresIn:"))), (400, Some(true)), "{bad}");

    // Refused uploads store nothing.
    let stored = library_files(&app);
    let big = vec![b'a'; 1024 * 1024 + 1];
    for (parts, status, code) in [
        (vec![("file", Some("x.png"), &b"<html><script>alert(1)</script></html>"[..])], 415, "unsupported_media_type"),
        (vec![("file", Some("x.svg"), &b"<svg onload='alert(1)'/>"[..])], 415, "unsupported_media_type"),
        (vec![("file", Some("x.pdf"), &b"MZ\x90\0\x03\0\0\0\x04\0"[..])], 415, "unsupported_media_type"),
        (vec![("file", Some("x.txt"), &b""[..])], 400, "validation_failed"),
        (vec![("file", Some("x.txt"), &b"ok"[..]), ("folder", None, &b"../etc"[..])], 400, "validation_failed"),
        (vec![("file", Some("x.txt"), &b"ok"[..]), ("folder", None, &b"a\x01b"[..])], 400, "validation_failed"),
        (vec![("file", Some("x.txt"), &b"ok"[..]), ("other", None, &b"x"[..])], 400, "validation_failed"),
        (vec![("folder", None, &b"a"[..])], 400, "validation_failed"),
        (vec![("file", Some("big.txt"), big.as_slice())], 413, "payload_too_large"),
    ] {
        let (answer_status, answer) = post_form(&app, token, &parts).await;
        assert_eq!((answer_status, answer["code"].as_str()), (status, Some(code)), "{parts:?}: {answer}");
    }
    let (_, all) = app.call(token, Method::GET, "/api/v1/files", None).await;
    assert_eq!(all["total"], 2, "nothing stored: {all}");
    if profile == Profile::Embedded {
        assert_eq!(library_files(&app), stored, "no bytes written either");
    }

    // Another sub-account sees none of it.
    let other = Owner::create(&app, "other-files.test").await;
    for (method, path) in [
        (Method::GET, format!("/api/v1/files/{id}")),
        (Method::GET, format!("/api/v1/files/{id}/url")),
        (Method::DELETE, format!("/api/v1/files/{id}")),
    ] {
        let (status, answer) = app.call(&other.token, method.clone(), &path, None).await;
        assert_eq!((status, answer["code"].as_str()), (404, Some("not_found")), "{method} {path}: {answer}");
    }
    let (_, theirs) = app.call(&other.token, Method::GET, "/api/v1/files", None).await;
    assert_eq!(theirs["total"], 0);

    // Deleted: the record, the bytes and every link go.
    let (_, fresh) = app.call(token, Method::GET, &format!("/api/v1/files/{id}/url"), None).await;
    let fresh = fresh["url"].as_str().unwrap();
    let fresh = format!("{}{}", app.address, &fresh[fresh.find("/files/download").unwrap()..]);
    app.expect(token, Method::DELETE, &format!("/api/v1/files/{id}"), None, 204).await;
    app.expect(token, Method::GET, &format!("/api/v1/files/{id}"), None, 404).await;
    assert_eq!(reqwest::get(&fresh).await.unwrap().status(), 404);
    if profile == Profile::Embedded {
        assert!(!library_files(&app).iter().any(|f| f == &key), "the bytes are gone");
    }
}

#[tokio::test]
async fn the_library_round_trips_and_refuses_what_it_must_in_both_profiles() {
    for profile in BOTH {
        the_library_round_trips_and_refuses_what_it_must(profile).await;
    }
}

#[tokio::test]
async fn on_s3_the_link_is_presigned_by_the_bucket_and_dies_with_the_file() {
    let Some(server) = S3Server::start() else { return };
    server.create_bucket("frontdesk-api-files");
    let app = spawn_app_with(
        Profile::Production,
        &[
            ("S3_BUCKET", "frontdesk-api-files"),
            ("S3_ENDPOINT", server.endpoint.as_str()),
            ("S3_ACCESS_KEY_ID", server.access_key),
            ("S3_SECRET_ACCESS_KEY", server.secret_key),
        ],
    )
    .await;
    let owner = Owner::create(&app, "s3-files.test").await;
    let (status, file) = app.upload(&owner.token, "/api/v1/files", "call.mp3", b"ID3\x04\0\0\0\0\0\x10audio").await;
    assert_eq!((status, file["contentType"].as_str()), (201, Some("audio/mpeg")), "{file}");
    let id = file["id"].as_str().unwrap();
    let (_, link) = app.call(&owner.token, Method::GET, &format!("/api/v1/files/{id}/url?expiresIn=120"), None).await;
    let url = link["url"].as_str().unwrap();
    assert!(url.starts_with(&server.endpoint) && url.contains("X-Amz-Signature"), "{url}");
    let fetched = reqwest::get(url).await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), b"ID3\x04\0\0\0\0\0\x10audio");
    app.expect(&owner.token, Method::DELETE, &format!("/api/v1/files/{id}"), None, 204).await;
    assert!(reqwest::get(url).await.unwrap().status().is_client_error(), "the object is gone");
}
