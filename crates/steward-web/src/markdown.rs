//! Markdown for descriptions and messages (tasks, cases): rendered with pulldown-cmark, with
//! no raw HTML (it is shown as escaped text) and only safe link and image addresses.
use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

/// Renders Markdown to HTML without raw HTML: HTML blocks and inline HTML become escaped
/// text, and links or images whose address is not http(s), mailto or a path in this site
/// lose it (no `javascript:`).
pub fn render(src: &str) -> String {
    fn safe_url(u: &str) -> bool {
        let l = u.trim().to_ascii_lowercase();
        l.starts_with("https://")
            || l.starts_with("http://")
            || l.starts_with("mailto:")
            || (l.starts_with('/') && !l.starts_with("//"))
            || l.starts_with('#')
    }
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TASKLISTS);
    let events = Parser::new_ext(src, opts).map(|e| match e {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: if safe_url(&dest_url) {
                dest_url
            } else {
                CowStr::Borrowed("#")
            },
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: if safe_url(&dest_url) {
                dest_url
            } else {
                CowStr::Borrowed("#")
            },
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(src.len() * 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::render as markdown;

    #[test]
    fn markdown_drops_raw_html_and_bad_links() {
        let html = markdown("**bold** <script>alert(1)</script>\n\n<div onclick=x>hi</div>\n\n[x](javascript:alert(1)) [y](https://example.com) ![i](data:x)");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("data:x"), "{html}");
        assert!(html.contains("href=\"https://example.com\""));
    }
}
