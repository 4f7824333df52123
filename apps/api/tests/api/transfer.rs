//! Lead import and export through the job queue, over HTTP, in both
//! profiles (SQL queue + SQLite; Redis Streams + PostgreSQL).

use crate::helpers::{BOTH, TestApp, register, spawn_app};
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
    for path in [format!("/api/v1/jobs/{job_id}"), format!("/api/v1/jobs/{job_id}/download")] {
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
