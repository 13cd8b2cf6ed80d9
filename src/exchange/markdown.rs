//! Markdown written by users (questions, answers): no raw HTML (shown as text), no images
//! (their text instead), links only to web and mail addresses, each with
//! `rel="nofollow noopener"`.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

pub fn to_html(md: &str) -> String {
    let mut events = Vec::new();
    // Links are opened and closed by hand; a link whose address is refused keeps its text.
    let mut open_links: Vec<bool> = Vec::new();
    let mut in_image = 0usize;
    for e in Parser::new_ext(md, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES) {
        match e {
            Event::Html(s) | Event::InlineHtml(s) => events.push(Event::Text(s)),
            Event::Start(Tag::Image { .. }) => in_image += 1,
            Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
            Event::Start(Tag::Link { dest_url, .. }) => {
                let allowed = allowed_address(&dest_url);
                if allowed {
                    events.push(Event::InlineHtml(CowStr::from(format!(
                        "<a href=\"{}\" rel=\"nofollow noopener\">",
                        escape_attribute(&dest_url)
                    ))));
                }
                open_links.push(allowed);
            }
            Event::End(TagEnd::Link) => {
                if open_links.pop().unwrap_or(false) {
                    events.push(Event::InlineHtml(CowStr::from("</a>")));
                }
            }
            other if in_image > 0 => {
                if let Event::Text(t) = other {
                    events.push(Event::Text(t));
                }
            }
            other => events.push(other),
        }
    }
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    out
}

fn allowed_address(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
}

fn escape_attribute(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_text_and_links_are_marked() {
        let html = to_html("Vedi <script>alert(1)</script> e [l'avviso](https://regione.example/avviso?a=1&b=\"2\").");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(
            html.contains(r#"<a href="https://regione.example/avviso?a=1&amp;b=&quot;2&quot;" rel="nofollow noopener">l’avviso</a>"#)
                || html.contains(r#"rel="nofollow noopener">l'avviso</a>"#),
            "{html}"
        );
    }

    #[test]
    fn scripts_and_images_do_not_pass() {
        let html = to_html("[clic](javascript:alert(1)) ![logo](https://x.example/a.png) **ok**");
        assert!(!html.contains("javascript"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("clic") && html.contains("logo") && html.contains("<strong>ok</strong>"), "{html}");
    }
}
