//! Authorization in one table: every route, walked as anonymous, an officer of the
//! Region concerned, an officer of another Region, a mentor and a coordinator, with the
//! status each must get. A test also checks that no route in the route table is missing
//! here, so every later route has to join it.

use crate::db_test;
use crate::helpers::{TestApp, Visitor};

#[derive(Clone, Copy)]
enum M {
    Get,
    Post,
}

/// (method, path pattern, path used, [anonymous, officer of the Region, officer of another Region, mentor, coordinator])
type Row = (M, &'static str, String, [u16; 5]);

/// Records the table's paths point at: a request of the officer's Region with a proposal
/// to the mentor, and a second request of that Region.
#[derive(Clone, Copy, Default)]
struct Seeded {
    target: i64,
    request: i64,
    proposal: i64,
    spare: i64,
    event: i64,
    registration: i64,
}

fn table(seeded: Seeded) -> Vec<Row> {
    let Seeded { target, request, proposal, spare, event, registration } = seeded;
    use M::*;
    const ALL: [u16; 5] = [200; 5];
    const SIGNED_IN: [u16; 5] = [302, 200, 200, 200, 200];
    const COORD_PAGE: [u16; 5] = [302, 403, 403, 403, 200];
    const COORD_API: [u16; 5] = [401, 403, 403, 403, 200];
    const SIGNED_IN_API: [u16; 5] = [401, 200, 200, 200, 200];
    // Seen by the Region's officer, the mentor it was proposed to and coordinators.
    const REGION_RECORD: [u16; 5] = [302, 200, 404, 200, 200];
    const REGION_RECORD_API: [u16; 5] = [401, 200, 404, 200, 200];
    // A verb on a record that does not exist: the guard answers first, then "not found".
    const SIGNED_IN_MISSING: [u16; 5] = [302, 404, 404, 404, 404];
    const SIGNED_IN_MISSING_API: [u16; 5] = [401, 404, 404, 404, 404];
    // The same with a required field left empty: the form is checked before the record is looked up.
    const SIGNED_IN_EMPTY_FORM: [u16; 5] = [302, 400, 400, 400, 400];
    const SIGNED_IN_EMPTY_FORM_API: [u16; 5] = [401, 400, 400, 400, 400];
    const COORD_MISSING: [u16; 5] = [302, 403, 403, 403, 404];
    const COORD_MISSING_API: [u16; 5] = [401, 403, 403, 403, 404];
    let s = |p: &str| p.to_string();
    vec![
        (Get, "/", s("/"), ALL),
        (Get, "/cerca", s("/cerca?q=costi"), ALL),
        (Get, "/guide/{id}", s("/guide/costi-unitari-fse-plus"), ALL),
        (Get, "/lingua", s("/lingua?l=it&torna=/"), [303; 5]),
        (Post, "/lingua", s("/lingua"), [303; 5]),
        // Votes are for everyone; an empty one is refused for lack of an answer.
        (Post, "/guide/{id}/utile", s("/guide/costi-unitari-fse-plus/utile"), [400; 5]),
        (Post, "/guide/{id}/segnala", s("/guide/costi-unitari-fse-plus/segnala"), [302, 400, 400, 400, 400]),
        (Get, "/coordinamento/segnalazioni", s("/coordinamento/segnalazioni"), COORD_PAGE),
        (Get, "/scambio/domande", s("/scambio/domande"), SIGNED_IN),
        (Post, "/scambio/domande", s("/scambio/domande"), SIGNED_IN_EMPTY_FORM),
        (Get, "/scambio/domande/nuova", s("/scambio/domande/nuova?testo=domanda"), SIGNED_IN),
        (Get, "/scambio/domande/{id}", s("/scambio/domande/999999"), SIGNED_IN_MISSING),
        (Get, "/scambio/domande/{id}/modifica", s("/scambio/domande/999999/modifica"), SIGNED_IN_MISSING),
        (Post, "/scambio/domande/{id}/modifica", s("/scambio/domande/999999/modifica"), SIGNED_IN_MISSING),
        (Post, "/scambio/domande/{id}/risposte", s("/scambio/domande/999999/risposte"), SIGNED_IN_MISSING),
        (Post, "/scambio/domande/{id}/accetta", s("/scambio/domande/999999/accetta"), SIGNED_IN_MISSING),
        (Post, "/scambio/domande/{id}/segnala", s("/scambio/domande/999999/segnala"), SIGNED_IN_MISSING),
        (Post, "/scambio/domande/{id}/nascondi", s("/scambio/domande/999999/nascondi"), COORD_MISSING),
        (Get, "/scambio/domande/{id}/bozza-guida.md", s("/scambio/domande/999999/bozza-guida.md"), COORD_MISSING),
        (Get, "/scambio/risposte/{id}/modifica", s("/scambio/risposte/999999/modifica"), SIGNED_IN_MISSING),
        (Post, "/scambio/risposte/{id}/modifica", s("/scambio/risposte/999999/modifica"), SIGNED_IN_MISSING),
        (Post, "/scambio/risposte/{id}/segnala", s("/scambio/risposte/999999/segnala"), SIGNED_IN_MISSING),
        (Post, "/scambio/risposte/{id}/nascondi", s("/scambio/risposte/999999/nascondi"), COORD_MISSING),
        (Get, "/coordinamento/segnalazioni-scambio", s("/coordinamento/segnalazioni-scambio"), COORD_PAGE),
        (
            Post,
            "/coordinamento/segnalazioni-scambio/{id}/chiudi",
            s("/coordinamento/segnalazioni-scambio/999999/chiudi"),
            COORD_MISSING,
        ),
        (Get, "/api/v1/exchange/questions", s("/api/v1/exchange/questions"), SIGNED_IN_API),
        (Post, "/api/v1/exchange/questions", s("/api/v1/exchange/questions"), SIGNED_IN_EMPTY_FORM_API),
        (Get, "/api/v1/exchange/questions/{id}", s("/api/v1/exchange/questions/999999"), SIGNED_IN_MISSING_API),
        (Post, "/api/v1/exchange/questions/{id}", s("/api/v1/exchange/questions/999999"), SIGNED_IN_MISSING_API),
        (
            Post,
            "/api/v1/exchange/questions/{id}/answers",
            s("/api/v1/exchange/questions/999999/answers"),
            SIGNED_IN_MISSING_API,
        ),
        (
            Post,
            "/api/v1/exchange/questions/{id}/accept",
            s("/api/v1/exchange/questions/999999/accept"),
            SIGNED_IN_MISSING_API,
        ),
        (
            Post,
            "/api/v1/exchange/questions/{id}/report",
            s("/api/v1/exchange/questions/999999/report"),
            SIGNED_IN_MISSING_API,
        ),
        (Post, "/api/v1/exchange/questions/{id}/hide", s("/api/v1/exchange/questions/999999/hide"), COORD_MISSING_API),
        (
            Get,
            "/api/v1/exchange/questions/{id}/guide-draft",
            s("/api/v1/exchange/questions/999999/guide-draft"),
            COORD_MISSING_API,
        ),
        (Post, "/api/v1/exchange/answers/{id}", s("/api/v1/exchange/answers/999999"), SIGNED_IN_MISSING_API),
        (
            Post,
            "/api/v1/exchange/answers/{id}/report",
            s("/api/v1/exchange/answers/999999/report"),
            SIGNED_IN_MISSING_API,
        ),
        (Post, "/api/v1/exchange/answers/{id}/hide", s("/api/v1/exchange/answers/999999/hide"), COORD_MISSING_API),
        (Get, "/api/v1/exchange/reports", s("/api/v1/exchange/reports"), COORD_API),
        (Post, "/api/v1/exchange/reports/{id}/handle", s("/api/v1/exchange/reports/999999/handle"), COORD_MISSING_API),
        // Follows, mail settings and the one-click unsubscribe (a forged link is not found).
        (Post, "/scambio/segui", s("/scambio/segui"), SIGNED_IN_EMPTY_FORM),
        (Post, "/scambio/smetti", s("/scambio/smetti"), SIGNED_IN_EMPTY_FORM),
        (Post, "/profilo/scambio", s("/profilo/scambio"), [302, 303, 303, 303, 303]),
        (Get, "/disiscrizione/{user}/{kind}/{signature}", s("/disiscrizione/1/answer/00"), [404; 5]),
        (Post, "/disiscrizione/{user}/{kind}/{signature}", s("/disiscrizione/1/answer/00"), [404; 5]),
        (Get, "/api/v1/search", s("/api/v1/search?q=costi"), ALL),
        (Get, "/api/v1/exchange/follows", s("/api/v1/exchange/follows"), SIGNED_IN_API),
        (Post, "/api/v1/exchange/follows", s("/api/v1/exchange/follows"), SIGNED_IN_EMPTY_FORM_API),
        (Post, "/api/v1/exchange/follows/remove", s("/api/v1/exchange/follows/remove"), SIGNED_IN_EMPTY_FORM_API),
        (Get, "/api/v1/exchange/mail-settings", s("/api/v1/exchange/mail-settings"), SIGNED_IN_API),
        (Post, "/api/v1/exchange/mail-settings", s("/api/v1/exchange/mail-settings"), SIGNED_IN_EMPTY_FORM_API),
        // Practices: officers write them, for their own Region; coordinators review them.
        (Get, "/scambio/esperienze", s("/scambio/esperienze"), SIGNED_IN),
        (Post, "/scambio/esperienze", s("/scambio/esperienze"), [302, 400, 400, 403, 403]),
        (Get, "/scambio/esperienze/nuova", s("/scambio/esperienze/nuova"), [302, 200, 200, 403, 403]),
        (Get, "/scambio/esperienze/{id}", s("/scambio/esperienze/999999"), SIGNED_IN_MISSING),
        (Get, "/scambio/esperienze/{id}/modifica", s("/scambio/esperienze/999999/modifica"), SIGNED_IN_MISSING),
        (Post, "/scambio/esperienze/{id}/modifica", s("/scambio/esperienze/999999/modifica"), SIGNED_IN_EMPTY_FORM),
        (Post, "/scambio/esperienze/{id}/invia", s("/scambio/esperienze/999999/invia"), SIGNED_IN_MISSING),
        // Not a multipart upload: refused before the practice is looked up.
        (Post, "/scambio/esperienze/{id}/allegati", s("/scambio/esperienze/999999/allegati"), SIGNED_IN_EMPTY_FORM),
        (Get, "/scambio/allegati/{id}", s("/scambio/allegati/999999"), SIGNED_IN_MISSING),
        (Post, "/scambio/allegati/{id}/rimuovi", s("/scambio/allegati/999999/rimuovi"), SIGNED_IN_MISSING),
        (Get, "/coordinamento/esperienze", s("/coordinamento/esperienze"), COORD_PAGE),
        (Post, "/scambio/esperienze/{id}/approva", s("/scambio/esperienze/999999/approva"), COORD_MISSING),
        (
            Post,
            "/scambio/esperienze/{id}/restituisci",
            s("/scambio/esperienze/999999/restituisci"),
            [302, 403, 403, 403, 400],
        ),
        (
            Post,
            "/scambio/esperienze/{id}/nascondi",
            s("/scambio/esperienze/999999/nascondi"),
            [302, 403, 403, 403, 400],
        ),
        (Get, "/api/v1/exchange/practices", s("/api/v1/exchange/practices"), SIGNED_IN_API),
        (Post, "/api/v1/exchange/practices", s("/api/v1/exchange/practices"), [401, 400, 400, 403, 403]),
        (Get, "/api/v1/exchange/practices/{id}", s("/api/v1/exchange/practices/999999"), SIGNED_IN_MISSING_API),
        (Post, "/api/v1/exchange/practices/{id}", s("/api/v1/exchange/practices/999999"), SIGNED_IN_EMPTY_FORM_API),
        (
            Post,
            "/api/v1/exchange/practices/{id}/submit",
            s("/api/v1/exchange/practices/999999/submit"),
            SIGNED_IN_MISSING_API,
        ),
        (
            Get,
            "/api/v1/exchange/practices/{id}/versions",
            s("/api/v1/exchange/practices/999999/versions"),
            SIGNED_IN_MISSING_API,
        ),
        (
            Post,
            "/api/v1/exchange/practices/{id}/attachments",
            s("/api/v1/exchange/practices/999999/attachments"),
            SIGNED_IN_MISSING_API,
        ),
        (Get, "/api/v1/exchange/attachments/{id}", s("/api/v1/exchange/attachments/999999"), SIGNED_IN_MISSING_API),
        (
            Post,
            "/api/v1/exchange/attachments/{id}/remove",
            s("/api/v1/exchange/attachments/999999/remove"),
            SIGNED_IN_MISSING_API,
        ),
        (Get, "/api/v1/exchange/practice-reviews", s("/api/v1/exchange/practice-reviews"), COORD_API),
        (
            Post,
            "/api/v1/exchange/practices/{id}/approve",
            s("/api/v1/exchange/practices/999999/approve"),
            COORD_MISSING_API,
        ),
        (
            Post,
            "/api/v1/exchange/practices/{id}/return",
            s("/api/v1/exchange/practices/999999/return"),
            [401, 403, 403, 403, 400],
        ),
        (
            Post,
            "/api/v1/exchange/practices/{id}/hide",
            s("/api/v1/exchange/practices/999999/hide"),
            [401, 403, 403, 403, 400],
        ),
        (
            Post,
            "/coordinamento/segnalazioni/{id}/gestisci",
            s("/coordinamento/segnalazioni/999999/gestisci"),
            [302, 403, 403, 403, 400],
        ),
        (Post, "/api/v1/guides/{id}/votes", s("/api/v1/guides/costi-unitari-fse-plus/votes"), [400; 5]),
        (
            Post,
            "/api/v1/guides/{id}/reports",
            s("/api/v1/guides/costi-unitari-fse-plus/reports"),
            [401, 400, 400, 400, 400],
        ),
        (Get, "/api/v1/guide-reports", s("/api/v1/guide-reports"), COORD_API),
        (
            Post,
            "/api/v1/guide-reports/{id}/handle",
            s("/api/v1/guide-reports/999999/handle"),
            [401, 403, 403, 403, 400],
        ),
        (Get, "/static/style.css", s("/static/style.css"), ALL),
        (Get, "/static/favicon.svg", s("/static/favicon.svg"), ALL),
        (Get, "/accedi", s("/accedi"), ALL),
        (Post, "/accedi", s("/accedi"), [200; 5]),
        (Get, "/accedi/{token}", s(&format!("/accedi/{}", "a".repeat(64))), ALL),
        (Post, "/accedi/{token}", s(&format!("/accedi/{}", "a".repeat(64))), [400; 5]),
        (Get, "/privacy", s("/privacy"), ALL),
        (Get, "/accessibilita", s("/accessibilita"), ALL),
        (Get, "/healthz", s("/healthz"), ALL),
        (Get, "/readyz", s("/readyz"), ALL),
        (Get, "/profilo", s("/profilo"), SIGNED_IN),
        (Post, "/profilo", s("/profilo"), [302, 400, 400, 400, 400]),
        (Post, "/profilo/token", s("/profilo/token"), SIGNED_IN),
        (Post, "/profilo/token/{id}/revoca", s("/profilo/token/999999/revoca"), [302, 404, 404, 404, 404]),
        (Get, "/profilo/dati.json", s("/profilo/dati.json"), SIGNED_IN),
        (Post, "/profilo/cancella", s("/profilo/cancella"), [302, 400, 400, 400, 400]),
        (Get, "/coordinamento/posta", s("/coordinamento/posta"), COORD_PAGE),
        (
            Post,
            "/coordinamento/posta/{id}/riprova",
            s("/coordinamento/posta/999999/riprova"),
            [302, 403, 403, 403, 404],
        ),
        (Get, "/coordinamento/utenti", s("/coordinamento/utenti"), COORD_PAGE),
        (Post, "/coordinamento/utenti", s("/coordinamento/utenti"), [302, 403, 403, 403, 400]),
        (
            Post,
            "/coordinamento/utenti/{id}/ruolo",
            s(&format!("/coordinamento/utenti/{target}/ruolo")),
            [302, 403, 403, 403, 400],
        ),
        (
            Post,
            "/coordinamento/utenti/{id}/disattiva",
            s(&format!("/coordinamento/utenti/{target}/disattiva")),
            [302, 403, 403, 403, 303],
        ),
        (
            Post,
            "/coordinamento/utenti/{id}/riattiva",
            s(&format!("/coordinamento/utenti/{target}/riattiva")),
            [302, 403, 403, 403, 303],
        ),
        (Get, "/cruscotto", s("/cruscotto"), [302, 200, 200, 403, 200]),
        (Get, "/cruscotto.csv", s("/cruscotto.csv"), [302, 200, 200, 403, 200]),
        (Get, "/api/v1/kpi", s("/api/v1/kpi"), [401, 200, 200, 403, 200]),
        (Get, "/eventi", s("/eventi"), ALL),
        (Get, "/eventi/archivio", s("/eventi/archivio"), ALL),
        (Get, "/eventi/{id}", s(&format!("/eventi/{event}")), ALL),
        (Get, "/calendario/{file}", s(&format!("/calendario/{}.ics", "b".repeat(64))), [404; 5]),
        (Get, "/eventi/{id}/evento.ics", s(&format!("/eventi/{event}/evento.ics")), [302, 200, 404, 404, 404]),
        (Post, "/eventi/{id}/iscrizione", s(&format!("/eventi/{event}/iscrizione")), [302, 409, 303, 303, 303]),
        (Post, "/eventi/{id}/valutazione", s(&format!("/eventi/{event}/valutazione")), SIGNED_IN_EMPTY_FORM),
        (Get, "/eventi/{id}/attestato.pdf", s(&format!("/eventi/{event}/attestato.pdf")), [302, 404, 404, 404, 404]),
        (
            Post,
            "/iscrizioni/{id}/annulla",
            s(&format!("/iscrizioni/{registration}/annulla")),
            [302, 303, 404, 404, 409],
        ),
        (Post, "/profilo/calendario", s("/profilo/calendario"), SIGNED_IN),
        (Post, "/profilo/calendario/revoca", s("/profilo/calendario/revoca"), [302, 303, 303, 303, 303]),
        (Get, "/coordinamento/eventi", s("/coordinamento/eventi"), COORD_PAGE),
        (Post, "/coordinamento/eventi", s("/coordinamento/eventi"), [302, 403, 403, 403, 400]),
        (Get, "/coordinamento/eventi/nuovo", s("/coordinamento/eventi/nuovo"), COORD_PAGE),
        (Get, "/coordinamento/eventi/{id}", s(&format!("/coordinamento/eventi/{event}")), COORD_PAGE),
        (Post, "/coordinamento/eventi/{id}", s(&format!("/coordinamento/eventi/{event}")), [302, 403, 403, 403, 400]),
        (
            Get,
            "/coordinamento/eventi/{id}/iscritti.csv",
            s(&format!("/coordinamento/eventi/{event}/iscritti.csv")),
            COORD_PAGE,
        ),
        (
            Post,
            "/coordinamento/eventi/{id}/presenze.csv",
            s(&format!("/coordinamento/eventi/{event}/presenze.csv")),
            [302, 403, 403, 403, 400],
        ),
        (
            Post,
            "/coordinamento/eventi/{id}/presenze",
            s(&format!("/coordinamento/eventi/{event}/presenze")),
            [302, 403, 403, 403, 409],
        ),
        (Post, "/coordinamento/eventi/{id}/pubblica", s("/coordinamento/eventi/999999/pubblica"), COORD_MISSING),
        (Post, "/coordinamento/eventi/{id}/annulla", s("/coordinamento/eventi/999999/annulla"), COORD_MISSING),
        (Post, "/coordinamento/eventi/{id}/concludi", s("/coordinamento/eventi/999999/concludi"), COORD_MISSING),
        (Post, "/coordinamento/eventi/{id}/presenze", s("/coordinamento/eventi/999999/presenze"), COORD_MISSING),
        (Post, "/coordinamento/eventi/{id}/scambio", s("/coordinamento/eventi/999999/scambio"), COORD_MISSING),
        (Get, "/api/v1/events", s("/api/v1/events"), ALL),
        (Get, "/api/v1/events/{id}", s(&format!("/api/v1/events/{event}")), ALL),
        (Post, "/api/v1/events", s("/api/v1/events"), [401, 403, 403, 403, 400]),
        (Post, "/api/v1/events/{id}", s(&format!("/api/v1/events/{event}")), [401, 403, 403, 403, 400]),
        (Get, "/api/v1/events/{id}/registrations", s(&format!("/api/v1/events/{event}/registrations")), COORD_API),
        (Post, "/api/v1/events/{id}/publish", s(&format!("/api/v1/events/{event}/publish")), [401, 403, 403, 403, 409]),
        (Post, "/api/v1/events/{id}/register", s("/api/v1/events/999999/register"), SIGNED_IN_MISSING_API),
        (Post, "/api/v1/events/{id}/feedback", s("/api/v1/events/999999/feedback"), SIGNED_IN_MISSING_API),
        (Post, "/api/v1/events/{id}/publish", s("/api/v1/events/999999/publish"), COORD_MISSING_API),
        (Post, "/api/v1/events/{id}/cancel", s("/api/v1/events/999999/cancel"), COORD_MISSING_API),
        (Post, "/api/v1/events/{id}/complete", s("/api/v1/events/999999/complete"), COORD_MISSING_API),
        (Post, "/api/v1/events/{id}/attendance", s("/api/v1/events/999999/attendance"), COORD_MISSING_API),
        (Post, "/api/v1/events/{id}/exchange-links", s("/api/v1/events/999999/exchange-links"), COORD_MISSING_API),
        (
            Post,
            "/api/v1/registrations/{id}/cancel",
            s(&format!("/api/v1/registrations/{registration}/cancel")),
            [401, 409, 404, 404, 409],
        ),
        (Get, "/mentorship", s("/mentorship"), SIGNED_IN),
        (Get, "/mentorship/richieste/nuova", s("/mentorship/richieste/nuova"), [302, 200, 200, 403, 403]),
        (Post, "/mentorship/richieste", s("/mentorship/richieste"), [302, 400, 400, 403, 403]),
        (Get, "/mentorship/richieste/{id}", s(&format!("/mentorship/richieste/{request}")), REGION_RECORD),
        (
            Get,
            "/mentorship/richieste/{id}/modifica",
            s(&format!("/mentorship/richieste/{request}/modifica")),
            [302, 200, 404, 403, 200],
        ),
        (
            Post,
            "/mentorship/richieste/{id}/modifica",
            s(&format!("/mentorship/richieste/{request}/modifica")),
            [302, 400, 404, 403, 400],
        ),
        (
            Post,
            "/mentorship/richieste/{id}/assegna",
            s(&format!("/mentorship/richieste/{request}/assegna")),
            [302, 403, 403, 403, 400],
        ),
        (
            Post,
            "/mentorship/richieste/{id}/ritira",
            s(&format!("/mentorship/richieste/{spare}/ritira")),
            [302, 303, 404, 404, 409],
        ),
        (Get, "/mentorship/abbinamenti/{id}", s(&format!("/mentorship/abbinamenti/{proposal}")), REGION_RECORD),
        (
            Post,
            "/mentorship/abbinamenti/{id}/annulla",
            s(&format!("/mentorship/abbinamenti/{proposal}/annulla")),
            [302, 409, 404, 409, 409],
        ),
        (Post, "/mentorship/abbinamenti/{id}/accetta", s("/mentorship/abbinamenti/999999/accetta"), SIGNED_IN_MISSING),
        (
            Post,
            "/mentorship/abbinamenti/{id}/rifiuta",
            s("/mentorship/abbinamenti/999999/rifiuta"),
            SIGNED_IN_EMPTY_FORM,
        ),
        (
            Post,
            "/mentorship/abbinamenti/{id}/incontri",
            s("/mentorship/abbinamenti/999999/incontri"),
            SIGNED_IN_EMPTY_FORM,
        ),
        (
            Post,
            "/mentorship/abbinamenti/{id}/concludi",
            s("/mentorship/abbinamenti/999999/concludi"),
            SIGNED_IN_MISSING,
        ),
        (Post, "/mentorship/abbinamenti/{id}/annulla", s("/mentorship/abbinamenti/999999/annulla"), SIGNED_IN_MISSING),
        (Post, "/mentorship/abbinamenti/{id}/approva", s("/mentorship/abbinamenti/999999/approva"), COORD_MISSING),
        (Post, "/mentorship/abbinamenti/{id}/scarta", s("/mentorship/abbinamenti/999999/scarta"), COORD_MISSING),
        (Post, "/mentorship/abbinamenti/{id}/ritira", s("/mentorship/abbinamenti/999999/ritira"), COORD_MISSING),
        // A proposal awaiting the mentor: only coordinators may withdraw it, and the officer
        // of its Region may not approve it again.
        (
            Post,
            "/mentorship/abbinamenti/{id}/approva",
            s(&format!("/mentorship/abbinamenti/{proposal}/approva")),
            [302, 403, 403, 403, 409],
        ),
        (Get, "/mentorship/profilo", s("/mentorship/profilo"), [302, 403, 403, 200, 403]),
        (Post, "/mentorship/profilo", s("/mentorship/profilo"), [302, 403, 403, 400, 403]),
        (Get, "/coordinamento/mentorship", s("/coordinamento/mentorship"), COORD_PAGE),
        (Post, "/coordinamento/mentorship/approva", s("/coordinamento/mentorship/approva"), [302, 403, 403, 403, 400]),
        (
            Post,
            "/coordinamento/mentorship/modalita",
            s("/coordinamento/mentorship/modalita"),
            [302, 403, 403, 403, 400],
        ),
        (Post, "/coordinamento/mentorship/esegui", s("/coordinamento/mentorship/esegui"), [302, 403, 403, 403, 303]),
        (Get, "/api/v1/mentorship/requests", s("/api/v1/mentorship/requests"), SIGNED_IN_API),
        (Post, "/api/v1/mentorship/requests", s("/api/v1/mentorship/requests"), [401, 400, 400, 400, 400]),
        (
            Get,
            "/api/v1/mentorship/requests/{id}",
            s(&format!("/api/v1/mentorship/requests/{request}")),
            REGION_RECORD_API,
        ),
        (
            Post,
            "/api/v1/mentorship/requests/{id}",
            s(&format!("/api/v1/mentorship/requests/{request}")),
            [401, 400, 404, 403, 400],
        ),
        (
            Post,
            "/api/v1/mentorship/requests/{id}/withdraw",
            s(&format!("/api/v1/mentorship/requests/{spare}/withdraw")),
            [401, 409, 404, 404, 409],
        ),
        (
            Post,
            "/api/v1/mentorship/requests/{id}/assign",
            s(&format!("/api/v1/mentorship/requests/{request}/assign")),
            [401, 403, 403, 403, 400],
        ),
        (Get, "/api/v1/mentorship/matches", s("/api/v1/mentorship/matches"), SIGNED_IN_API),
        (
            Get,
            "/api/v1/mentorship/matches/{id}",
            s(&format!("/api/v1/mentorship/matches/{proposal}")),
            REGION_RECORD_API,
        ),
        (Post, "/api/v1/mentorship/approve", s("/api/v1/mentorship/approve"), COORD_API),
        (Get, "/api/v1/mentorship/settings", s("/api/v1/mentorship/settings"), COORD_API),
        (Post, "/api/v1/mentorship/settings", s("/api/v1/mentorship/settings"), [401, 403, 403, 403, 400]),
        (Post, "/api/v1/mentorship/run", s("/api/v1/mentorship/run"), COORD_API),
        (Get, "/api/v1/mentorship/profile", s("/api/v1/mentorship/profile"), [401, 403, 403, 200, 403]),
        (Post, "/api/v1/mentorship/profile", s("/api/v1/mentorship/profile"), [401, 403, 403, 400, 403]),
        // Only the mentor it was proposed to can accept it (then it is no longer open).
        (
            Post,
            "/api/v1/mentorship/matches/{id}/accept",
            s("/api/v1/mentorship/matches/999999/accept"),
            SIGNED_IN_MISSING_API,
        ),
        (
            Post,
            "/api/v1/mentorship/matches/{id}/decline",
            s("/api/v1/mentorship/matches/999999/decline"),
            SIGNED_IN_EMPTY_FORM_API,
        ),
        (
            Post,
            "/api/v1/mentorship/matches/{id}/meetings",
            s("/api/v1/mentorship/matches/999999/meetings"),
            SIGNED_IN_EMPTY_FORM_API,
        ),
        (
            Post,
            "/api/v1/mentorship/matches/{id}/complete",
            s("/api/v1/mentorship/matches/999999/complete"),
            SIGNED_IN_MISSING_API,
        ),
        (
            Post,
            "/api/v1/mentorship/matches/{id}/cancel",
            s("/api/v1/mentorship/matches/999999/cancel"),
            SIGNED_IN_EMPTY_FORM_API,
        ),
        (
            Post,
            "/api/v1/mentorship/matches/{id}/approve",
            s("/api/v1/mentorship/matches/999999/approve"),
            COORD_MISSING_API,
        ),
        (
            Post,
            "/api/v1/mentorship/matches/{id}/discard",
            s("/api/v1/mentorship/matches/999999/discard"),
            COORD_MISSING_API,
        ),
        (
            Post,
            "/api/v1/mentorship/matches/{id}/withdraw",
            s("/api/v1/mentorship/matches/999999/withdraw"),
            COORD_MISSING_API,
        ),
        (
            Post,
            "/api/v1/mentorship/matches/{id}/accept",
            s(&format!("/api/v1/mentorship/matches/{proposal}/accept")),
            [401, 403, 404, 200, 403],
        ),
        (Get, "/api/v1/openapi.json", s("/api/v1/openapi.json"), ALL),
        (Get, "/api/v1/guides/search", s("/api/v1/guides/search?q=art.%2053"), ALL),
        (Get, "/api/v1/guides/{id}", s("/api/v1/guides/osc-obbligatorie"), ALL),
        (Get, "/api/v1/regions", s("/api/v1/regions"), ALL),
        (Get, "/api/v1/me", s("/api/v1/me"), [401, 200, 200, 200, 200]),
        (Get, "/api/v1/outbox", s("/api/v1/outbox"), COORD_API),
        (Post, "/api/v1/outbox/{id}/retry", s("/api/v1/outbox/999999/retry"), [401, 403, 403, 403, 404]),
        (Get, "/api/v1/users", s("/api/v1/users"), COORD_API),
        // Last: it ends the sessions it is sent with.
        (Post, "/esci", s("/esci"), [302, 303, 303, 303, 303]),
    ]
}

async fn send(app: &TestApp, who: &Visitor, method: M, path: &str) -> u16 {
    let r = match method {
        M::Get => app.get_as(who, path).await,
        M::Post if path.starts_with("/api/") => app
            .client
            .post(app.url(path))
            .header("cookie", &who.cookie)
            .header("x-csrf-token", &who.csrf)
            .send()
            .await
            .unwrap(),
        M::Post if path == "/lingua" => app.post_form(who, path, &[("l", "it"), ("torna", "/")]).await,
        M::Post if path == "/accedi" => app.post_form(who, path, &[("email", "qualcuno@example.org")]).await,
        M::Post if path.ends_with("/annulla") => app.post_form(who, path, &[("reason", "prova")]).await,
        // Destructive actions confirmed (the confirmation page itself is tested where they are).
        M::Post if path.ends_with("/ritira") || path.ends_with("/disattiva") => {
            app.post_form(who, path, &[("conferma", "1")]).await
        }
        M::Post => app.post_form(who, path, &[]).await,
    };
    r.status().as_u16()
}

db_test!(every_route_answers_each_role_as_the_table_says, |app| {
    let anonymous = app.anonymous().await;
    let officer = app.user("officer.pug@example.org", "officer", Some("PUG")).await;
    let other_region = app.user("officer.sic@example.org", "officer", Some("SIC")).await;
    let mentor = app.user("mentor@example.org", "mentor", None).await;
    let coordinator = app.user("coord@example.org", "coordinator", None).await;
    let target = app.user("bersaglio@example.org", "mentor", None).await;
    let experience = serde_json::json!([{"fund": "FSE+", "role": "adg", "programme": "PR FSE+ Toscana"}]);
    let (s, _) = app
        .post_json_as(
            &mentor,
            "/api/v1/mentorship/profile",
            &serde_json::json!({"experience": experience, "languages": ["it"], "capacity": 1}),
        )
        .await;
    assert_eq!(s, 200);
    let request = crate::mentorship::file(&app, &officer, "Richiesta di prova").await;
    let spare = crate::mentorship::file(&app, &officer, "Seconda richiesta di prova").await;
    let (s, approved) = app.post_json_as(&coordinator, "/api/v1/mentorship/approve", &serde_json::json!({})).await;
    assert_eq!((s, approved["approved"].as_i64()), (200, Some(1)));
    let (_, detail) = app.get_json_as(&coordinator, &format!("/api/v1/mentorship/requests/{request}")).await;
    let proposal = detail["matches"][0]["id"].as_i64().expect("a proposal to the mentor");
    let start = fondilab::events::local_input(fondilab::db::now_ms() + 7 * 86_400_000);
    let end = fondilab::events::local_input(fondilab::db::now_ms() + 7 * 86_400_000 + 7_200_000);
    let body = serde_json::json!({"kind": "forum", "title": "Forum", "starts_at": start, "ends_at": end, "venue": "Roma", "capacity": 50, "publish": true});
    let (s, e) = app.post_json_as(&coordinator, "/api/v1/events", &body).await;
    assert_eq!(s, 201, "{e}");
    let event = e["id"].as_i64().unwrap();
    let (s, r) = app.post_json_as(&officer, &format!("/api/v1/events/{event}/register"), &serde_json::json!({})).await;
    assert_eq!(s, 201, "{r}");
    let registration = r["registration"]["id"].as_i64().unwrap();
    let seeded = Seeded { target: target.id, request, proposal, spare, event, registration };
    let actors = [&anonymous, &officer, &other_region, &mentor, &coordinator];
    let names = ["anonymous", "officer (own Region)", "officer (other Region)", "mentor", "coordinator"];
    let mut wrong = Vec::new();
    for (method, _, path, expected) in table(seeded) {
        for (i, who) in actors.iter().enumerate() {
            let got = send(&app, who, method, &path).await;
            if got != expected[i] {
                wrong.push(format!("{path} as {}: got {got}, expected {}", names[i], expected[i]));
            }
        }
    }
    assert!(wrong.is_empty(), "authorization table mismatches:\n{}", wrong.join("\n"));
});

#[test]
fn every_registered_route_is_in_the_table() {
    let root = env!("CARGO_MANIFEST_DIR");
    let table: Vec<String> = table(Seeded::default()).iter().map(|(_, pattern, _, _)| pattern.to_string()).collect();
    let mut missing = Vec::new();
    let text = std::fs::read_to_string(format!("{root}/src/web/mod.rs")).unwrap();
    let pages = text.split(".route(\"").skip(1).map(|part| part[..part.find('"').unwrap()].to_string());
    let api = fondilab::web::api::endpoints().into_iter().map(|e| format!("/api/v1{}", e.path));
    for pattern in pages.chain(api) {
        if !table.contains(&pattern) {
            missing.push(pattern);
        }
    }
    assert!(missing.is_empty(), "routes missing from the authorization table: {missing:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_carry_security_headers() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    for path in ["/", "/api/v1/guides/search?q=x", "/non-esiste"] {
        let r = app.get(path).await;
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'none'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
    }
    app.stop().await;
}
