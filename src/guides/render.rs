//! Markdown of a guide turned into HTML for pages and the API. Raw HTML in a guide
//! is shown as text, never passed through.

use pulldown_cmark::{html, Event, Options, Parser, TagEnd};

const TASK_OPEN: &str = "<span class=\"task\" aria-hidden=\"true\">☐</span> ";
const TASK_DONE: &str = "<span class=\"task\" aria-hidden=\"true\">☑</span> ";

pub fn markdown_to_html(md: &str) -> String {
    markdown_to_html_marked(md, None)
}

/// As [`markdown_to_html`], with the text of the guide passed through `mark`, which returns
/// it as safe HTML (escaped, searched words in `<mark>`).
pub fn markdown_to_html_marked(md: &str, mark: Option<&dyn Fn(&str) -> String>) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(md, options).map(|e| match e {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        // A checklist's box is a picture, not a form field: a disabled checkbox with no label
        // is announced as an unnamed control. The item's words follow it.
        Event::TaskListMarker(done) => Event::InlineHtml(if done { TASK_DONE } else { TASK_OPEN }.into()),
        Event::Text(t) => match mark {
            Some(mark) => Event::InlineHtml(mark(&t).into()),
            None => Event::Text(t),
        },
        other => other,
    });
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// Markdown reduced to plain text (for search snippets and indexing).
pub fn markdown_to_text(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    for e in Parser::new_ext(md, Options::ENABLE_TASKLISTS) {
        match e {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell | TagEnd::CodeBlock,
            )
            | Event::TaskListMarker(_)
                if !out.ends_with(' ') =>
            {
                out.push(' ')
            }
            _ => {}
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checklist_boxes_are_pictures_not_fields() {
        let html = markdown_to_html("- [ ] firmare\n- [x] inviare\n");
        assert!(!html.contains("<input"), "{html}");
        assert!(html.contains("☐</span> firmare") && html.contains("☑</span> inviare"), "{html}");
    }

    #[test]
    fn raw_html_is_escaped() {
        let html = markdown_to_html("ciao <script>alert(1)</script>");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn marked_text_stays_escaped() {
        let mark = |t: &str| {
            t.replace("costi", "<mark>costi</mark>")
                .replace('<', "&lt;")
                .replace("&lt;mark>", "<mark>")
                .replace("&lt;/mark>", "</mark>")
        };
        let html = markdown_to_html_marked("I **costi** <b>", Some(&mark));
        assert!(html.contains("<strong><mark>costi</mark></strong>"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
    }

    #[test]
    fn text_drops_markup() {
        assert_eq!(markdown_to_text("**Art. 53** del [RDC](/guide/x)\n- uno"), "Art. 53 del RDC uno");
    }
}
