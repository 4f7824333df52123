//! Leads over HTTP: CRUD, duplicates, filters, tenant isolation, trash and
//! restore, timeline and notes, cache invalidation. Both profiles.

use crate::helpers::{BOTH, Profile, TestApp, register, spawn_app, team};
use reqwest::Method;
use serde_json::{Value, json};

/// A user who owns a fresh sub-account in `country`: (token, sub-account id).
async fn owner(app: &TestApp, domain: &str, country: Option<&str>) -> (String, String) {
    let (token, _) = register(app, &format!("owner@{domain}")).await;
    let body = json!({"name": domain, "country": country});
    let (status, created) = app.call(&token, Method::POST, "/api/v1/subaccounts", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    (created["accessToken"].as_str().unwrap().to_owned(), created["subAccount"]["id"].as_str().unwrap().to_owned())
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, lead) = app.call(token, Method::POST, "/api/v1/leads", Some(body)).await;
    assert_eq!(status, 201, "{lead}");
    lead
}

fn names(page: &Value) -> Vec<&str> {
    page["data"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn leads_are_created_normalized_read_changed_and_unique_per_tenant() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let (token, _) = owner(&app, "acme.test", Some("US")).await;
        let response = app
            .client
            .post(format!("{}/api/v1/leads", app.address))
            .bearer_auth(&token)
            .json(&json!({"name": " Ana Lopez ", "phone": "(415) 555-2671", "email": "Ana@Example.COM",
                "metadata": {"utm": "ads"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let lead: Value = response.json().await.unwrap();
        let id = lead["id"].as_str().unwrap();
        assert_eq!(location, format!("/api/v1/leads/{id}"));
        assert_eq!(
            (&lead["name"], &lead["phone"], &lead["email"], &lead["status"], &lead["source"], &lead["metadata"]),
            (
                &json!("Ana Lopez"),
                &json!("+14155552671"),
                &json!("ana@example.com"),
                &json!("new"),
                &json!("manual"),
                &json!({"utm": "ads"})
            )
        );
        let (status, read) = app.call(&token, Method::GET, &location, None).await;
        assert_eq!((status, &read), (200, &lead));

        // The same number written another way, and the same email in another case: 409 naming the lead.
        let (status, dup) = app
            .call(&token, Method::POST, "/api/v1/leads", Some(json!({"name": "Ana 2", "phone": "+1 415-555-2671"})))
            .await;
        assert_eq!((status, dup["code"].as_str()), (409, Some("duplicate_lead")), "{dup}");
        assert!(dup["message"].as_str().unwrap().contains(id), "{dup}");
        let (status, dup) = app
            .call(&token, Method::POST, "/api/v1/leads", Some(json!({"name": "Ana 3", "email": "ANA@example.com"})))
            .await;
        assert_eq!((status, dup["message"].as_str().unwrap().starts_with("email")), (409, true), "{dup}");

        // The same phone in another tenant is another lead.
        let (other, _) = owner(&app, "other.test", None).await;
        let elsewhere = create(&app, &other, json!({"name": "Ana", "phone": "+14155552671"})).await;
        assert_ne!(elsewhere["id"], lead["id"]);
        // Without a country, a national number is refused with a hint.
        let (status, err) =
            app.call(&other, Method::POST, "/api/v1/leads", Some(json!({"name": "B", "phone": "415 555 2672"}))).await;
        assert_eq!(status, 400);
        assert!(err["message"][0].as_str().unwrap().contains("country"), "{err}");

        let (status, changed) = app
            .call(
                &token,
                Method::PATCH,
                &location,
                Some(json!({"name": "Ana L.", "status": "qualified", "notes": "VIP"})),
            )
            .await;
        assert_eq!(status, 200, "{changed}");
        assert_eq!(
            (&changed["name"], &changed["status"], &changed["notes"]),
            (&json!("Ana L."), &json!("qualified"), &json!("VIP"))
        );
        let (status, refused) = app.call(&token, Method::PATCH, &location, Some(json!({"status": "won"}))).await;
        assert_eq!(status, 200, "{refused}");
        let (status, refused) =
            app.call(&token, Method::PATCH, &location, Some(json!({"status": "new", "name": "X"}))).await;
        assert_eq!((status, refused["code"].as_str()), (422, Some("invalid_transition")), "{refused}");

        let (_, timeline) = app.call(&token, Method::GET, &format!("{location}/timeline"), None).await;
        let moves: Vec<_> =
            timeline["data"].as_array().unwrap().iter().map(|e| (e["type"].clone(), e["meta"]["to"].clone())).collect();
        assert_eq!(moves, [(json!("status_change"), json!("won")), (json!("status_change"), json!("qualified"))]);
        let (_, read) = app.call(&token, Method::GET, &location, None).await;
        assert_eq!(read["name"], "Ana L.", "the refused change left the name alone");
    }
}

#[tokio::test]
async fn validation_lists_every_bad_field_and_stores_nothing() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let (token, _) = owner(&app, "valid.test", None).await;
        let bad = json!({"name": "", "phone": "12", "email": "not-an-email", "status": "pending", "source": "fax",
            "notes": "n".repeat(5001), "metadata": [1, 2], "assignedTo": "nobody"});
        let (status, err) = app.call(&token, Method::POST, "/api/v1/leads", Some(bad)).await;
        assert_eq!((status, err["code"].as_str()), (400, Some("validation_failed")));
        let fields: Vec<_> =
            err["message"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().split(':').next().unwrap()).collect();
        assert_eq!(fields, ["name", "phone", "email", "status", "source", "notes", "metadata", "assignedTo"], "{err}");
        let (status, err) = app.call(&token, Method::POST, "/api/v1/leads", Some(json!({"name": "No contact"}))).await;
        assert_eq!((status, err["message"][0].as_str()), (400, Some("phone: a phone number or an email is required")));
        let (_, list) = app.call(&token, Method::GET, "/api/v1/leads", None).await;
        assert_eq!(list["total"], 0, "nothing stored");

        let (status, err) = app
            .call(
                &token,
                Method::GET,
                "/api/v1/leads?status=open&source=fax&sort=age&createdFrom=yesterday&limit=500&assignedTo=x",
                None,
            )
            .await;
        assert_eq!(status, 400);
        let fields: Vec<_> =
            err["message"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().split(':').next().unwrap()).collect();
        assert_eq!(fields, ["status", "source", "assignedTo", "createdFrom", "sort", "limit"], "{err}");

        let lead = create(&app, &token, json!({"name": "Ana", "email": "ana@valid.test"})).await;
        let path = format!("/api/v1/leads/{}", lead["id"].as_str().unwrap());
        let (status, err) =
            app.call(&token, Method::PATCH, &path, Some(json!({"name": "", "email": "x", "status": "nope"}))).await;
        assert_eq!(status, 400);
        assert_eq!(err["message"].as_array().unwrap().len(), 3, "{err}");
        let (status, err) = app.call(&token, Method::PATCH, &path, Some(json!({"email": ""}))).await;
        assert_eq!((status, err["message"][0].as_str()), (400, Some("phone: a phone number or an email is required")));
    }
}

#[tokio::test]
async fn every_filter_sort_and_page_works() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let (owner_token, agent_token, agent_id, _) = team(&app, &format!("filters{profile:?}.test")).await;
        let ana =
            create(&app, &owner_token, json!({"name": "Ana Lopez", "email": "ana@filters.test", "source": "call"}))
                .await;
        let between = chrono::Utc::now().to_rfc3339();
        let bob = create(
            &app,
            &agent_token,
            json!({"name": "bob Stone", "phone": "+14155552673", "status": "qualified", "assignedTo": agent_id}),
        )
        .await;
        create(&app, &owner_token, json!({"name": "Carla Diaz", "phone": "+442079460958", "source": "form"})).await;

        let list = |query: String| {
            let app = &app;
            let token = owner_token.clone();
            async move {
                let (status, page) = app.call(&token, Method::GET, &format!("/api/v1/leads{query}"), None).await;
                assert_eq!(status, 200, "{query}: {page}");
                page
            }
        };
        let all = list(String::new()).await;
        assert_eq!(
            (names(&all), &all["total"], &all["page"], &all["limit"]),
            (vec!["Carla Diaz", "bob Stone", "Ana Lopez"], &json!(3), &json!(1), &json!(20))
        );
        assert_eq!(names(&list("?status=qualified".into()).await), ["bob Stone"]);
        assert_eq!(names(&list("?source=call".into()).await), ["Ana Lopez"]);
        assert_eq!(names(&list(format!("?assignedTo={agent_id}")).await), ["bob Stone"]);
        assert_eq!(names(&list("?q=LOPEZ".into()).await), ["Ana Lopez"]);
        assert_eq!(names(&list("?q=filters.test".into()).await), ["Ana Lopez"]);
        assert_eq!(names(&list("?q=%28415%29%20555-2673".into()).await), ["bob Stone"], "phone with separators");
        assert_eq!(names(&list("?q=7946".into()).await), ["Carla Diaz"]);
        let from = list(format!("?createdFrom={}", urlencode(&between))).await;
        assert_eq!(names(&from), ["Carla Diaz", "bob Stone"]);
        let to = list(format!("?createdTo={}", urlencode(&between))).await;
        assert_eq!(names(&to), ["Ana Lopez"]);
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        assert_eq!(
            list(format!("?createdFrom={today}&createdTo={today}")).await["total"],
            3,
            "dates cover the whole day"
        );
        assert_eq!(names(&list("?sort=name".into()).await), ["Ana Lopez", "bob Stone", "Carla Diaz"]);
        assert_eq!(names(&list("?sort=createdAt".into()).await), ["Ana Lopez", "bob Stone", "Carla Diaz"]);
        let second = list("?sort=createdAt&page=2&limit=2".into()).await;
        assert_eq!((names(&second), &second["total"], &second["page"]), (vec!["Carla Diaz"], &json!(3), &json!(2)));
        let past_the_end = list("?page=9&limit=2".into()).await;
        assert_eq!((names(&past_the_end), &past_the_end["total"]), (vec![], &json!(3)), "the total past the last page");
        let combined = list("?status=new&source=form".into()).await;
        assert_eq!((names(&combined), &combined["total"]), (vec!["Carla Diaz"], &json!(1)));

        // Touching Ana makes her the most recently updated.
        let ana_path = format!("/api/v1/leads/{}", ana["id"].as_str().unwrap());
        app.call(&owner_token, Method::PATCH, &ana_path, Some(json!({"notes": "called"}))).await;
        assert_eq!(names(&list("?sort=updatedAt".into()).await)[0], "Ana Lopez");
        let _ = bob;
    }
}

fn urlencode(raw: &str) -> String {
    raw.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn another_tenants_lead_is_404_for_every_route() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let (mine, _) = owner(&app, "mine.test", None).await;
        let (theirs, _) = owner(&app, "theirs.test", None).await;
        let lead = create(&app, &mine, json!({"name": "Ana", "phone": "+14155552671"})).await;
        let path = format!("/api/v1/leads/{}", lead["id"].as_str().unwrap());
        let attempts = [
            (Method::GET, path.clone(), None),
            (Method::PATCH, path.clone(), Some(json!({"name": "Stolen"}))),
            (Method::DELETE, path.clone(), None),
            (Method::GET, format!("{path}/timeline"), None),
            (Method::POST, format!("{path}/notes"), Some(json!({"content": "hi"}))),
            (Method::POST, format!("{path}/restore"), None),
        ];
        for (method, route, body) in attempts {
            let (status, err) = app.call(&theirs, method.clone(), &route, body).await;
            assert_eq!((status, err["code"].as_str()), (404, Some("not_found")), "{method} {route}");
        }
        let (_, list) = app.call(&theirs, Method::GET, "/api/v1/leads", None).await;
        assert_eq!(list["total"], 0);
        let (status, read) = app.call(&mine, Method::GET, &path, None).await;
        assert_eq!((status, read["name"].as_str()), (200, Some("Ana")), "untouched");
        let (_, timeline) = app.call(&mine, Method::GET, &format!("{path}/timeline"), None).await;
        assert_eq!(timeline["total"], 0, "no note slipped in");
        let (status, _) = app.call(&mine, Method::GET, "/api/v1/leads/not-a-uuid", None).await;
        assert_eq!(status, 404);
    }
}

#[tokio::test]
async fn deleted_leads_go_to_the_trash_and_can_be_restored() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let (token, _) = owner(&app, "trash.test", None).await;
        let lead = create(&app, &token, json!({"name": "Ana", "phone": "+14155552671"})).await;
        let path = format!("/api/v1/leads/{}", lead["id"].as_str().unwrap());
        app.call(&token, Method::GET, &path, None).await; // warm the cache
        let (status, _) = app.call(&token, Method::DELETE, &path, None).await;
        assert_eq!(status, 204);
        assert_eq!(app.call(&token, Method::GET, &path, None).await.0, 404, "gone at once, cache included");
        assert_eq!(app.call(&token, Method::DELETE, &path, None).await.0, 404, "deleting twice");
        assert_eq!(app.call(&token, Method::GET, "/api/v1/leads", None).await.1["total"], 0);
        let (_, trash) = app.call(&token, Method::GET, "/api/v1/leads?deleted=true", None).await;
        assert_eq!((names(&trash), trash["data"][0]["deletedAt"].is_string()), (vec!["Ana"], true));

        let (status, restored) = app.call(&token, Method::POST, &format!("{path}/restore"), None).await;
        assert_eq!((status, restored["name"].as_str(), restored.get("deletedAt")), (200, Some("Ana"), None));
        assert_eq!(app.call(&token, Method::GET, &path, None).await.0, 200);
        let (status, again) = app.call(&token, Method::POST, &format!("{path}/restore"), None).await;
        assert_eq!((status, again["name"].as_str()), (200, Some("Ana")), "restoring a live lead is a no-op");

        // Deleted again, its number reused: restoring it would duplicate.
        app.call(&token, Method::DELETE, &path, None).await;
        let successor = create(&app, &token, json!({"name": "New Ana", "phone": "+14155552671"})).await;
        let (status, err) = app.call(&token, Method::POST, &format!("{path}/restore"), None).await;
        assert_eq!((status, err["code"].as_str()), (409, Some("duplicate_lead")));
        assert!(err["message"].as_str().unwrap().contains(successor["id"].as_str().unwrap()));
    }
}

#[tokio::test]
async fn notes_land_on_the_timeline_newest_first_and_paged() {
    let app = spawn_app(Profile::Production).await;
    let (token, _) = owner(&app, "notes.test", None).await;
    let lead = create(&app, &token, json!({"name": "Ana", "email": "ana@notes.test"})).await;
    let path = format!("/api/v1/leads/{}", lead["id"].as_str().unwrap());
    for n in 1..=3 {
        let (status, note) = app
            .call(&token, Method::POST, &format!("{path}/notes"), Some(json!({"content": format!("note {n}")})))
            .await;
        assert_eq!((status, note["type"].as_str()), (201, Some("note")));
    }
    let (status, err) = app.call(&token, Method::POST, &format!("{path}/notes"), Some(json!({"content": "  "}))).await;
    assert_eq!((status, err["message"][0].as_str()), (400, Some("content: is required")));
    let (_, page) = app.call(&token, Method::GET, &format!("{path}/timeline?limit=2"), None).await;
    let contents: Vec<_> = page["data"].as_array().unwrap().iter().map(|e| e["content"].as_str().unwrap()).collect();
    assert_eq!((contents, &page["total"]), (vec!["note 3", "note 2"], &json!(3)));
    let (_, last) = app.call(&token, Method::GET, &format!("{path}/timeline?limit=2&page=2"), None).await;
    assert_eq!(last["data"][0]["content"], "note 1");
}

#[tokio::test]
async fn a_read_after_a_change_never_sees_the_cached_old_lead() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let (token, _) = owner(&app, "cache.test", None).await;
        let lead = create(&app, &token, json!({"name": "Ana", "email": "ana@cache.test"})).await;
        let path = format!("/api/v1/leads/{}", lead["id"].as_str().unwrap());
        for round in 0..5 {
            let (_, before) = app.call(&token, Method::GET, &path, None).await; // cached now
            let name = format!("Ana v{round}");
            let (status, _) = app.call(&token, Method::PATCH, &path, Some(json!({"name": name}))).await;
            assert_eq!(status, 200);
            let (_, after) = app.call(&token, Method::GET, &path, None).await;
            assert_eq!(after["name"], name.as_str(), "round {round}: read {before} before");
        }
    }
}

#[tokio::test]
async fn leads_are_assigned_to_members_of_the_same_sub_account_only() {
    let app = spawn_app(Profile::Embedded).await;
    let (owner_token, _, agent_id, _) = team(&app, "assign.test").await;
    let (_, _, stranger_id, _) = team(&app, "elsewhere.test").await;
    let lead =
        create(&app, &owner_token, json!({"name": "Ana", "email": "a@assign.test", "assignedTo": agent_id})).await;
    assert_eq!(lead["assignedTo"], agent_id.as_str());
    let path = format!("/api/v1/leads/{}", lead["id"].as_str().unwrap());
    let (status, err) = app.call(&owner_token, Method::PATCH, &path, Some(json!({"assignedTo": stranger_id}))).await;
    assert_eq!((status, err["message"][0].as_str()), (400, Some("assignedTo: must be a user of this sub-account")));
    let (status, unassigned) = app.call(&owner_token, Method::PATCH, &path, Some(json!({"assignedTo": null}))).await;
    assert_eq!((status, &unassigned["assignedTo"]), (200, &Value::Null));
}

/// Cursor pages walk the whole list (in any sort) as the page numbers do,
/// the unfiltered total is exact, a foreign or forged cursor is a 400 naming
/// `cursor`, and the trash and back move the total.
#[tokio::test]
async fn cursor_pages_walk_every_lead_once_and_totals_follow_the_trash() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let (token, _) = owner(&app, "cursor.test", Some("US")).await;
        let mut ids = Vec::new();
        for (i, name) in ["Cleo", "ana", "Bob", "Ana", "dora"].iter().enumerate() {
            let lead = create(&app, &token, json!({"name": name, "email": format!("c{i}@cursor.test")})).await;
            ids.push(lead["id"].as_str().unwrap().to_owned());
        }
        for sort in ["-createdAt", "createdAt", "name", "updatedAt"] {
            let (_, all) = app.call(&token, Method::GET, &format!("/api/v1/leads?sort={sort}&limit=100"), None).await;
            let expected: Vec<&str> =
                all["data"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
            let mut walked = Vec::new();
            let mut path = format!("/api/v1/leads?sort={sort}&limit=2");
            loop {
                let (status, page) = app.call(&token, Method::GET, &path, None).await;
                assert_eq!(status, 200, "{page}");
                assert_eq!((page["total"].as_u64(), page["totalIsExact"].as_bool()), (Some(5), Some(true)), "{page}");
                walked.extend(page["data"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_owned()));
                match page["nextCursor"].as_str() {
                    Some(cursor) => path = format!("/api/v1/leads?sort={sort}&limit=2&page=9&cursor={cursor}"),
                    None => break,
                }
            }
            assert_eq!(walked, expected, "{sort}");
        }
        let (_, first) = app.call(&token, Method::GET, "/api/v1/leads?sort=name&limit=2", None).await;
        let foreign = first["nextCursor"].as_str().unwrap();
        let (status, bad) = app.call(&token, Method::GET, &format!("/api/v1/leads?cursor={foreign}"), None).await;
        assert_eq!(status, 400, "a cursor of another sort: {bad}");
        assert!(bad["message"][0].as_str().unwrap().starts_with("cursor:"), "{bad}");
        let (status, _) = app.call(&token, Method::GET, "/api/v1/leads?cursor=zz", None).await;
        assert_eq!(status, 400);

        app.expect(&token, Method::DELETE, &format!("/api/v1/leads/{}", ids[0]), None, 204).await;
        let (_, after) = app.call(&token, Method::GET, "/api/v1/leads", None).await;
        assert_eq!(after["total"], 4);
        app.expect(&token, Method::POST, &format!("/api/v1/leads/{}/restore", ids[0]), None, 200).await;
        let (_, back) = app.call(&token, Method::GET, "/api/v1/leads", None).await;
        assert_eq!(back["total"], 5);
        let (_, filtered) = app.call(&token, Method::GET, "/api/v1/leads?q=ana", None).await;
        assert_eq!((filtered["total"].as_u64(), filtered["totalIsExact"].as_bool()), (Some(2), Some(true)));
    }
}
