//! iCalendar objects (RFC 5545) for event invitations and subscribable feeds (RFC 5546 methods).
//!
//! Times are given as UTC instants in Unix milliseconds and written as Europe/Rome local times with a
//! matching `VTIMEZONE`, so that every client shows the Italian wall-clock time of the event.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Rome;

const PRODID: &str = "-//ProMIS WP5//fondilab//IT";
const TZID: &str = "Europe/Rome";
/// Maximum length of a content line in octets, excluding the line break.
const MAX_LINE_OCTETS: usize = 75;

/// The iTIP method of a calendar object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A new or changed event (confirmation of a registration, change of time or place).
    Request,
    /// The event no longer takes place, or the attendee's registration is withdrawn.
    Cancel,
    /// An informational copy, without attendees.
    Publish,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
            Method::Publish => "PUBLISH",
        }
    }
}

/// A single event sent to a single attendee by e-mail.
#[derive(Debug, Clone)]
pub struct Invite<'a> {
    /// Stable identifier of the event, e.g. `event-42@fondilab.local`.
    pub uid: &'a str,
    /// 0 at creation, incremented on every change of time or place and on cancellation.
    pub sequence: i64,
    pub method: Method,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: Option<&'a str>,
    pub url: Option<&'a str>,
    /// UTC instants, Unix milliseconds.
    pub start_ms: i64,
    pub end_ms: i64,
    pub dtstamp_ms: i64,
    pub organizer_name: &'a str,
    pub organizer_email: &'a str,
    pub attendee_name: &'a str,
    pub attendee_email: &'a str,
}

/// One event of a subscribable calendar feed.
#[derive(Debug, Clone)]
pub struct FeedEvent<'a> {
    pub uid: &'a str,
    pub sequence: i64,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: Option<&'a str>,
    pub url: Option<&'a str>,
    /// UTC instants, Unix milliseconds.
    pub start_ms: i64,
    pub end_ms: i64,
    pub cancelled: bool,
}

/// One VCALENDAR with METHOD, a VTIMEZONE for Europe/Rome and one VEVENT whose DTSTART/DTEND are local
/// Europe/Rome times with TZID=Europe/Rome.
///
/// `Method::Request` sets STATUS:CONFIRMED and an ATTENDEE with
/// `PARTSTAT=ACCEPTED;RSVP=FALSE;ROLE=REQ-PARTICIPANT;CN=...`. `Method::Cancel` sets STATUS:CANCELLED and names
/// the attendee being removed. `Method::Publish` sets STATUS:CONFIRMED and carries no ATTENDEE.
pub fn invite(i: &Invite) -> String {
    let mut w = Writer::default();
    w.calendar_header(i.method);
    w.timezone();
    w.line("BEGIN:VEVENT");
    w.event_core(&Core {
        uid: i.uid,
        sequence: i.sequence,
        summary: i.summary,
        description: i.description,
        location: i.location,
        url: i.url,
        start_ms: i.start_ms,
        end_ms: i.end_ms,
        dtstamp_ms: i.dtstamp_ms,
    });
    w.property(&format!("ORGANIZER;CN={}", param_value(i.organizer_name)), &mailto(i.organizer_email));
    match i.method {
        Method::Request => w.property(
            &format!("ATTENDEE;PARTSTAT=ACCEPTED;RSVP=FALSE;ROLE=REQ-PARTICIPANT;CN={}", param_value(i.attendee_name)),
            &mailto(i.attendee_email),
        ),
        Method::Cancel => w.property(
            &format!("ATTENDEE;ROLE=REQ-PARTICIPANT;CN={}", param_value(i.attendee_name)),
            &mailto(i.attendee_email),
        ),
        Method::Publish => {}
    }
    w.property("STATUS", if i.method == Method::Cancel { "CANCELLED" } else { "CONFIRMED" });
    w.line("TRANSP:OPAQUE");
    w.line("END:VEVENT");
    w.line("END:VCALENDAR");
    w.out
}

/// A subscribable calendar: METHOD:PUBLISH, X-WR-CALNAME, X-WR-TIMEZONE:Europe/Rome, the VTIMEZONE and one
/// VEVENT per event. Cancelled events stay in the feed with STATUS:CANCELLED so that subscribers drop them.
pub fn feed(calendar_name: &str, events: &[FeedEvent], dtstamp_ms: i64) -> String {
    let mut w = Writer::default();
    w.calendar_header(Method::Publish);
    w.property("NAME", &escape_text(calendar_name));
    w.property("X-WR-CALNAME", &escape_text(calendar_name));
    w.property("X-WR-TIMEZONE", TZID);
    w.line("REFRESH-INTERVAL;VALUE=DURATION:PT1H");
    w.line("X-PUBLISHED-TTL:PT1H");
    w.timezone();
    for e in events {
        w.line("BEGIN:VEVENT");
        w.event_core(&Core {
            uid: e.uid,
            sequence: e.sequence,
            summary: e.summary,
            description: e.description,
            location: e.location,
            url: e.url,
            start_ms: e.start_ms,
            end_ms: e.end_ms,
            dtstamp_ms,
        });
        w.property("STATUS", if e.cancelled { "CANCELLED" } else { "CONFIRMED" });
        w.line("TRANSP:OPAQUE");
        w.line("END:VEVENT");
    }
    w.line("END:VCALENDAR");
    w.out
}

/// The properties shared by invitations and feed events.
struct Core<'a> {
    uid: &'a str,
    sequence: i64,
    summary: &'a str,
    description: &'a str,
    location: Option<&'a str>,
    url: Option<&'a str>,
    start_ms: i64,
    end_ms: i64,
    dtstamp_ms: i64,
}

/// Accumulates folded, CRLF-terminated content lines.
#[derive(Default)]
struct Writer {
    out: String,
}

impl Writer {
    /// Appends `name:value` as one logical content line, folded at 75 octets.
    fn property(&mut self, name: &str, value: &str) {
        self.line(&format!("{name}:{value}"));
    }

    fn line(&mut self, line: &str) {
        fold_into(&mut self.out, line);
    }

    fn calendar_header(&mut self, method: Method) {
        self.line("BEGIN:VCALENDAR");
        self.property("PRODID", PRODID);
        self.line("VERSION:2.0");
        self.line("CALSCALE:GREGORIAN");
        self.property("METHOD", method.as_str());
    }

    /// Europe/Rome since 1996: CEST from the last Sunday of March at 02:00 local, CET from the last Sunday of
    /// October at 03:00 local.
    fn timezone(&mut self) {
        for line in [
            "BEGIN:VTIMEZONE",
            "TZID:Europe/Rome",
            "BEGIN:DAYLIGHT",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0200",
            "TZNAME:CEST",
            "DTSTART:19700329T020000",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            "END:DAYLIGHT",
            "BEGIN:STANDARD",
            "TZOFFSETFROM:+0200",
            "TZOFFSETTO:+0100",
            "TZNAME:CET",
            "DTSTART:19701025T030000",
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "END:STANDARD",
            "END:VTIMEZONE",
        ] {
            self.line(line);
        }
    }

    fn event_core(&mut self, c: &Core) {
        self.property("UID", &strip_controls(c.uid));
        self.property("SEQUENCE", &c.sequence.max(0).to_string());
        self.property("DTSTAMP", &utc_stamp(c.dtstamp_ms));
        self.property(&format!("DTSTART;TZID={TZID}"), &rome_local(c.start_ms));
        self.property(&format!("DTEND;TZID={TZID}"), &rome_local(c.end_ms.max(c.start_ms)));
        self.property("SUMMARY", &escape_text(c.summary));
        if !c.description.is_empty() {
            self.property("DESCRIPTION", &escape_text(c.description));
        }
        if let Some(location) = c.location.filter(|l| !l.trim().is_empty()) {
            self.property("LOCATION", &escape_text(location));
        }
        if let Some(url) = c.url.map(strip_controls).filter(|u| !u.is_empty()) {
            self.property("URL", &url);
        }
    }
}

/// Appends `line` folded so that no physical line exceeds 75 octets; continuation lines start with one space.
/// Folds fall between characters, never inside a UTF-8 sequence.
fn fold_into(out: &mut String, line: &str) {
    let mut used = 0;
    for ch in line.chars() {
        if used + ch.len_utf8() > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(ch);
        used += ch.len_utf8();
    }
    out.push_str("\r\n");
}

/// Escapes a TEXT value: backslash, semicolon and comma are escaped, any line break becomes `\n` and other
/// control characters (not allowed in TEXT) are dropped.
fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value: double quotes and control characters are removed, and the value is quoted when it
/// contains `:`, `;` or `,`.
fn param_value(s: &str) -> String {
    let clean: String = s.chars().filter(|c| *c != '"' && !c.is_control()).collect();
    if clean.contains([':', ';', ',']) {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

fn mailto(email: &str) -> String {
    let clean: String = email.chars().filter(|c| !c.is_control() && !c.is_whitespace()).collect();
    format!("mailto:{clean}")
}

fn strip_controls(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// Out-of-range instants fall back to the Unix epoch.
fn instant(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn utc_stamp(ms: i64) -> String {
    instant(ms).format("%Y%m%dT%H%M%SZ").to_string()
}

fn rome_local(ms: i64) -> String {
    instant(ms).with_timezone(&Rome).format("%Y%m%dT%H%M%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Offset, TimeZone, Weekday};
    use icalendar::parser::{read_calendar, unfold, Component, Property};

    fn ms(rfc3339: &str) -> i64 {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp_millis()
    }

    fn sample(method: Method) -> Invite<'static> {
        Invite {
            uid: "event-42@fondilab.local",
            sequence: 3,
            method,
            summary: "Webinar: sanità digitale",
            description: "Programma; parte 1, parte 2\nLink: C:\\percorso\\file\nCittà: più perché",
            location: Some("Bari, Sala A; piano 2"),
            url: Some("https://fondilab.example/eventi/42"),
            start_ms: ms("2026-03-12T09:00:00Z"),
            end_ms: ms("2026-03-12T11:00:00Z"),
            dtstamp_ms: ms("2026-03-01T08:30:15Z"),
            organizer_name: "ProMIS, WP5",
            organizer_email: "wp5@fondilab.local",
            attendee_name: "Maria \"Mary\" Rossi",
            attendee_email: "maria.rossi@example.it",
        }
    }

    /// Parses `text` with the independent parser and returns (calendar properties, components). The unfolded
    /// text is leaked so that the borrowed parse tree can outlive this helper.
    fn parse(text: &str) -> (Vec<Property<'static>>, Vec<Component<'static>>) {
        let unfolded: &'static str = Box::leak(unfold(text).into_boxed_str());
        let cal = read_calendar(unfolded).expect("valid iCalendar");
        (cal.properties, cal.components)
    }

    fn val<'c>(props: &'c [Property<'_>], name: &str) -> &'c str {
        props.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("missing {name}")).val.as_str()
    }

    fn param<'c>(p: &'c Property<'_>, key: &str) -> Option<&'c str> {
        p.params.iter().find(|x| x.key == key).and_then(|x| x.val.as_ref()).map(|v| v.as_str())
    }

    fn event<'c>(comps: &'c [Component<'static>]) -> &'c Component<'static> {
        comps.iter().find(|c| c.name == "VEVENT").expect("VEVENT")
    }

    fn dtstart_line(start: &str) -> String {
        let mut i = sample(Method::Request);
        i.start_ms = ms(start);
        i.end_ms = i.start_ms + 3_600_000;
        let text = invite(&i);
        text.lines().find(|l| l.starts_with("DTSTART;")).unwrap().to_string()
    }

    #[test]
    fn request_parses_back() {
        let text = invite(&sample(Method::Request));
        let (props, comps) = parse(&text);
        assert_eq!(val(&props, "METHOD"), "REQUEST");
        assert_eq!(val(&props, "PRODID"), PRODID);
        assert_eq!(val(&props, "VERSION"), "2.0");
        assert_eq!(val(&props, "CALSCALE"), "GREGORIAN");
        let ev = event(&comps);
        assert_eq!(val(&ev.properties, "UID"), "event-42@fondilab.local");
        assert_eq!(val(&ev.properties, "SEQUENCE"), "3");
        assert_eq!(val(&ev.properties, "STATUS"), "CONFIRMED");
        assert_eq!(val(&ev.properties, "DTSTAMP"), "20260301T083015Z");
        let start = ev.find_prop("DTSTART").unwrap();
        assert_eq!(start.val.as_str(), "20260312T100000");
        assert_eq!(param(start, "TZID"), Some("Europe/Rome"));
        let attendee = ev.find_prop("ATTENDEE").unwrap();
        assert_eq!(attendee.val.as_str(), "mailto:maria.rossi@example.it");
        assert_eq!(param(attendee, "PARTSTAT"), Some("ACCEPTED"));
        assert_eq!(param(attendee, "RSVP"), Some("FALSE"));
        assert_eq!(param(attendee, "ROLE"), Some("REQ-PARTICIPANT"));
        assert_eq!(param(attendee, "CN"), Some("Maria Mary Rossi"));
        let organizer = ev.find_prop("ORGANIZER").unwrap();
        assert_eq!(organizer.val.as_str(), "mailto:wp5@fondilab.local");
        assert!(text.contains("ORGANIZER;CN=\"ProMIS, WP5\":mailto:"));
        assert!(comps.iter().any(|c| c.name == "VTIMEZONE"));
    }

    #[test]
    fn text_values_round_trip() {
        let i = sample(Method::Request);
        let (_, comps) = parse(&invite(&i));
        let ev = event(&comps);
        assert_eq!(val(&ev.properties, "DESCRIPTION"), i.description);
        assert_eq!(val(&ev.properties, "SUMMARY"), i.summary);
        assert_eq!(val(&ev.properties, "LOCATION"), i.location.unwrap());
        assert_eq!(val(&ev.properties, "URL"), i.url.unwrap());
    }

    #[test]
    fn crlf_line_endings_only() {
        let text = invite(&sample(Method::Request));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    }

    #[test]
    fn long_lines_fold_without_splitting_characters() {
        let long = "àèéìòù – ".repeat(30) + "fine";
        let mut i = sample(Method::Request);
        i.description = &long;
        let text = invite(&i);
        for physical in text.split("\r\n") {
            assert!(physical.len() <= MAX_LINE_OCTETS, "{} octets: {physical}", physical.len());
        }
        let folded = text.split("\r\n").filter(|l| l.starts_with(' ')).count();
        assert!(folded >= 5);
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("\r\nDESCRIPTION:{}\r\n", escape_text(&long))));
        let (_, comps) = parse(&text);
        assert_eq!(val(&event(&comps).properties, "DESCRIPTION"), long);
    }

    #[test]
    fn fold_boundary_with_multibyte_characters() {
        for prefix in 0..4 {
            let line = format!("X:{}{}", "a".repeat(70 + prefix), "€".repeat(40));
            let mut out = String::new();
            fold_into(&mut out, &line);
            for physical in out.split("\r\n") {
                assert!(physical.len() <= MAX_LINE_OCTETS);
            }
            assert_eq!(out.replace("\r\n ", ""), format!("{line}\r\n"));
        }
    }

    #[test]
    fn dst_transitions() {
        assert_eq!(dtstart_line("2026-03-29T09:00:00Z"), "DTSTART;TZID=Europe/Rome:20260329T110000");
        assert_eq!(dtstart_line("2026-03-28T09:00:00Z"), "DTSTART;TZID=Europe/Rome:20260328T100000");
        assert_eq!(dtstart_line("2026-10-25T09:00:00Z"), "DTSTART;TZID=Europe/Rome:20261025T100000");
        assert_eq!(dtstart_line("2026-10-24T09:00:00Z"), "DTSTART;TZID=Europe/Rome:20261024T110000");
    }

    /// The VTIMEZONE rules agree with the tz database for many years around now.
    #[test]
    fn vtimezone_matches_tz_database() {
        let (_, comps) = parse(&invite(&sample(Method::Request)));
        let tz = comps.iter().find(|c| c.name == "VTIMEZONE").unwrap();
        assert_eq!(val(&tz.properties, "TZID"), "Europe/Rome");
        let daylight = tz.components.iter().find(|c| c.name == "DAYLIGHT").unwrap();
        let standard = tz.components.iter().find(|c| c.name == "STANDARD").unwrap();
        assert_eq!(val(&daylight.properties, "TZNAME"), "CEST");
        assert_eq!(val(&daylight.properties, "TZOFFSETTO"), "+0200");
        assert_eq!(val(&standard.properties, "TZNAME"), "CET");
        assert_eq!(val(&standard.properties, "TZOFFSETTO"), "+0100");
        assert_eq!(val(&daylight.properties, "RRULE"), "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU");
        assert_eq!(val(&standard.properties, "RRULE"), "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU");

        let last_sunday = |year: i32, month: u32| {
            let mut d = chrono::NaiveDate::from_ymd_opt(year, month + 1, 1).unwrap().pred_opt().unwrap();
            while d.weekday() != Weekday::Sun {
                d = d.pred_opt().unwrap();
            }
            d
        };
        let offset_hours = |utc: chrono::NaiveDateTime| {
            Utc.from_utc_datetime(&utc).with_timezone(&Rome).offset().fix().local_minus_utc() / 3600
        };
        for year in 1996..2040 {
            // 02:00 CET and 03:00 CEST are both 01:00 UTC.
            let spring = last_sunday(year, 3).and_hms_opt(1, 0, 0).unwrap();
            let autumn = last_sunday(year, 10).and_hms_opt(1, 0, 0).unwrap();
            let minute = chrono::Duration::minutes(1);
            assert_eq!((offset_hours(spring - minute), offset_hours(spring)), (1, 2), "{year}");
            assert_eq!((offset_hours(autumn - minute), offset_hours(autumn)), (2, 1), "{year}");
        }
        assert_eq!(last_sunday(1970, 3).format("%Y%m%d").to_string(), "19700329");
        assert_eq!(last_sunday(1970, 10).format("%Y%m%d").to_string(), "19701025");
    }

    #[test]
    fn cancel_keeps_uid() {
        let request = parse(&invite(&sample(Method::Request)));
        let mut c = sample(Method::Cancel);
        c.sequence = 4;
        let (props, comps) = parse(&invite(&c));
        assert_eq!(val(&props, "METHOD"), "CANCEL");
        let ev = event(&comps);
        assert_eq!(val(&ev.properties, "STATUS"), "CANCELLED");
        assert_eq!(val(&ev.properties, "UID"), val(&event(&request.1).properties, "UID"));
        assert_eq!(val(&ev.properties, "SEQUENCE"), "4");
        assert!(param(ev.find_prop("ATTENDEE").unwrap(), "PARTSTAT").is_none());
    }

    #[test]
    fn publish_has_no_attendee() {
        let (props, comps) = parse(&invite(&sample(Method::Publish)));
        assert_eq!(val(&props, "METHOD"), "PUBLISH");
        assert!(event(&comps).find_prop("ATTENDEE").is_none());
    }

    #[test]
    fn feed_lists_every_event() {
        let events: Vec<FeedEvent> = (0..3)
            .map(|n| FeedEvent {
                uid: ["event-1@fondilab.local", "event-2@fondilab.local", "event-3@fondilab.local"][n],
                sequence: n as i64,
                summary: "Open Lab, Puglia",
                description: "",
                location: None,
                url: None,
                start_ms: ms("2026-06-01T07:00:00Z") + n as i64 * 86_400_000,
                end_ms: ms("2026-06-01T09:00:00Z") + n as i64 * 86_400_000,
                cancelled: n == 2,
            })
            .collect();
        let text = feed("Eventi fondilab; Puglia", &events, ms("2026-05-01T00:00:00Z"));
        let (props, comps) = parse(&text);
        assert_eq!(val(&props, "METHOD"), "PUBLISH");
        assert_eq!(val(&props, "X-WR-TIMEZONE"), "Europe/Rome");
        assert!(text.contains("X-WR-CALNAME:Eventi fondilab\\; Puglia\r\n"));
        let vevents: Vec<_> = comps.iter().filter(|c| c.name == "VEVENT").collect();
        assert_eq!(vevents.len(), 3);
        assert_eq!(comps.iter().filter(|c| c.name == "VTIMEZONE").count(), 1);
        assert_eq!(val(&vevents[0].properties, "DTSTART"), "20260601T090000");
        assert_eq!(val(&vevents[1].properties, "UID"), "event-2@fondilab.local");
        assert_eq!(val(&vevents[2].properties, "STATUS"), "CANCELLED");
        assert_eq!(val(&vevents[0].properties, "DTSTAMP"), "20260501T000000Z");
        assert!(vevents[0].find_prop("DESCRIPTION").is_none());
    }

    #[test]
    fn escaping_and_parameters() {
        assert_eq!(escape_text("a\\b;c,d\r\ne\nf\rg"), "a\\\\b\\;c\\,d\\ne\\nf\\ng");
        assert_eq!(param_value("Rossi: \"M\""), "\"Rossi: M\"");
        assert_eq!(param_value("Maria Rossi"), "Maria Rossi");
    }
}
