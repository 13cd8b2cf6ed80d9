//! What a coordinator may do to an event depends on the time: cancel (with a reason, after
//! a confirmation on the pages) only before the start, attendance after the start, completion
//! after the end; the pages offer only what can succeed, and the API refuses the rest. After
//! completion the people marked present (only they) are thanked and answer a one-question
//! survey for 14 days; its figures reach the WP5 report.

use serde_json::json;

use crate::db_test;
use crate::events::{create, event_body, mails, register, DAY, HOUR};

/// 2026-05-28 20:26 UTC.
const T0: i64 = 1_780_000_000_000;

db_test!(event_actions_follow_the_clock_and_attendees_answer_a_survey, clock = T0, |app, clock| {
    let coord = app.user("coord@promis.example", "coordinator", None).await;
    let anna = app.user("anna@asl-roma.example", "officer", Some("LAZ")).await;
    let bruno = app.user("bruno@asl-rieti.example", "officer", Some("LAZ")).await;
    let start = T0 + DAY;
    let event = create(&app, &coord, &event_body(start, 10)).await;
    for who in [&anna, &bruno] {
        assert_eq!(register(&app, who, event).await.0, 201);
    }
    let api = |verb: &str| format!("/api/v1/events/{event}/{verb}");
    let manage = format!("/coordinamento/eventi/{event}");

    // Before the start: cancel is offered (with a required reason), attendance and completion are not.
    let (_, page) = app.get_text_as(&coord, &manage).await;
    assert!(page.contains("/annulla") && page.contains("name=\"reason\" required"), "{page}");
    assert!(!page.contains("/presenze\"") && !page.contains("/concludi"), "{page}");
    let (s, e) = app.post_json_as(&coord, &api("cancel"), &json!({})).await;
    assert_eq!((s, e["field"].as_str()), (400, Some("reason")), "{e}");
    let (s, _) = app.post_json_as(&coord, &api("complete"), &json!({})).await;
    assert_eq!(s, 409);
    let (s, _) = app.post_json_as(&coord, &api("attendance"), &json!({"attended": []})).await;
    assert_eq!(s, 409);
    // The page asks for confirmation first, saying who will be told; nothing changes until then.
    let r = app.post_form(&coord, &format!("{manage}/annulla"), &[("reason", "Relatrice malata")]).await;
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.unwrap();
    assert!(confirm.contains("Relatrice malata") && confirm.contains("name=\"conferma\""), "{confirm}");
    assert!(confirm.contains("class=\"danger\""), "{confirm}");
    let (_, ev) = app.get_json_as(&coord, &format!("/api/v1/events/{event}")).await;
    assert_eq!(ev["state"], "published");

    // A confirmed seat can be added to a calendar, with the UID of the invitation.
    let r = app.get_as(&anna, &format!("/eventi/{event}/evento.ics")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/calendar; charset=utf-8");
    let ics = r.text().await.unwrap();
    let invitation = crate::events::calendar(&mails(&app, "event.confirm").await[0].3);
    let uid = crate::events::prop(&invitation, "UID");
    assert!(ics.contains(&format!("UID:{uid}")), "{ics}");

    // Running: no cancelling any more, attendance yes, completion not yet.
    clock.set(start + HOUR);
    let (_, page) = app.get_text_as(&coord, &manage).await;
    assert!(!page.contains("/annulla\"") && page.contains("/presenze\"") && !page.contains("/concludi"), "{page}");
    let (s, e) = app.post_json_as(&coord, &api("cancel"), &json!({"reason": "Troppo tardi"})).await;
    assert_eq!(s, 409, "{e}");
    let (_, regs) = app.get_json_as(&coord, &format!("/api/v1/events/{event}/registrations")).await;
    let anna_reg = regs.as_array().unwrap().iter().find(|r| r["email"] == "anna@asl-roma.example").unwrap()["id"]
        .as_i64()
        .unwrap();
    let (s, _) = app.post_json_as(&coord, &api("attendance"), &json!({"attended": [anna_reg]})).await;
    assert_eq!(s, 200);
    let (s, e) = app.post_json_as(&coord, &api("complete"), &json!({})).await;
    assert_eq!(s, 409, "{e}");

    // Ended: completed; only Anna, marked present, is thanked and asked.
    clock.set(start + 3 * HOUR);
    let (s, e) = app.post_json_as(&coord, &api("complete"), &json!({})).await;
    assert_eq!(s, 200, "{e}");
    let thanks = mails(&app, "event.thanks").await;
    assert_eq!(thanks.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(), vec!["anna@asl-roma.example"]);
    let (_, page) = app.get_text_as(&anna, &format!("/eventi/{event}")).await;
    assert!(page.contains(&format!("/eventi/{event}/valutazione")), "{page}");
    let (_, page) = app.get_text_as(&bruno, &format!("/eventi/{event}")).await;
    assert!(!page.contains("/valutazione"), "{page}");

    let (s, _) = app.post_json_as(&bruno, &api("feedback"), &json!({"useful": 5})).await;
    assert_eq!(s, 403, "not present");
    let (s, e) = app.post_json_as(&anna, &api("feedback"), &json!({"useful": 6})).await;
    assert_eq!((s, e["field"].as_str()), (400, Some("useful")), "{e}");
    // On the page a missing rating keeps the comment typed.
    let r = app.post_form(&anna, &format!("/eventi/{event}/valutazione"), &[("comment", "Esempi utilissimi")]).await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("Esempi utilissimi") && page.contains("id=\"useful-errore\""), "{page}");
    // A missing rating and an overlong comment are both reported at once.
    let long = "x".repeat(2001);
    let r = app.post_form(&anna, &format!("/eventi/{event}/valutazione"), &[("comment", long.as_str())]).await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"useful-errore\"") && page.contains("id=\"comment-errore\""), "{page}");
    assert!(page.contains("Ci sono alcuni problemi (2)"), "{page}");
    let r = app
        .post_form(&anna, &format!("/eventi/{event}/valutazione"), &[("useful", "3"), ("comment", "Esempi utili")])
        .await;
    assert_eq!(r.status(), 303);
    // One answer per person: a second one replaces the first.
    let (s, e) = app.post_json_as(&anna, &api("feedback"), &json!({"useful": 5, "comment": "Molto utile"})).await;
    assert_eq!((s, e["useful"].as_i64()), (200, Some(5)), "{e}");
    let answers: Vec<(i64, String)> =
        sqlx::query_as("SELECT useful, comment FROM event_feedback").fetch_all(app.state.db.pool()).await.unwrap();
    assert_eq!(answers, vec![(5, "Molto utile".to_string())]);

    // The WP5 report counts it, per event and per task.
    let (_, kpi) = app.get_json_as(&coord, "/api/v1/kpi").await;
    let task = kpi["tasks"].as_array().unwrap().iter().find(|t| t["kind"] == "webinar").unwrap();
    assert_eq!(task["feedback"], json!({"answers": 1, "mean": 5.0}), "{task}");
    assert_eq!(task["events"][0]["feedback"], json!({"answers": 1, "mean": 5.0}));
    let (_, csv) = app.get_text_as(&coord, "/cruscotto.csv").await;
    assert!(csv.contains("risposte al questionario") && csv.contains("5,0"), "{csv}");

    // Fourteen days after the event the survey closes.
    clock.set(start + 2 * HOUR + 14 * DAY + 1);
    let (s, _) = app.post_json_as(&anna, &api("feedback"), &json!({"useful": 4})).await;
    assert_eq!(s, 409);
    let (_, page) = app.get_text_as(&anna, &format!("/eventi/{event}")).await;
    assert!(!page.contains("/valutazione"), "{page}");
});
