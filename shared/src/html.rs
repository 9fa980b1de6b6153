//! The pages' HTML: one layout, one stylesheet, and the headers every page is sent with.
//!
//! Pages are written with maud, whose `html!` escapes every value it is given (`<script>`
//! in a record's value stays text); nothing here marks data as pre-escaped. No page has a
//! script: the Content-Security-Policy allows none (`default-src 'none'`), and the one
//! stylesheet is allowed by its SHA-256, not by `'unsafe-inline'`. `frame-ancestors` is
//! the setting [`PageSettings::frame_ancestors`] (who may frame what an embed shows); the
//! API reference is never framed.

use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::session::CookiePolicy;

/// The pages' one stylesheet: readable on a phone (fluid widths, tables that scroll
/// sideways inside their box), no web fonts, no images.
pub const STYLESHEET: &str = "\
:root{color-scheme:light dark;--fg:#1d1f24;--muted:#5d6370;--line:#d9dce3;--bg:#fff;--accent:#2b59c3;--chip:#eef1f7}\
@media (prefers-color-scheme:dark){:root{--fg:#e6e8ee;--muted:#a3a9b6;--line:#3a3f4b;--bg:#15171c;--accent:#8fb0ff;--chip:#252a35}}\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);background:var(--bg)}\
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.75rem 1rem;border-bottom:1px solid var(--line)}\
header .brand{font-weight:600}header nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;flex:1}\
main{max-width:72rem;margin:0 auto;padding:1rem}\
a{color:var(--accent)}h1{font-size:1.5rem;margin:.25rem 0 1rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}\
.muted{color:var(--muted)}.crumbs{font-size:.9rem;color:var(--muted)}\
.scroll{overflow-x:auto;border:1px solid var(--line);border-radius:6px}\
table{border-collapse:collapse;width:100%;font-size:.95rem}th,td{text-align:left;vertical-align:top;padding:.4rem .6rem;border-bottom:1px solid var(--line)}\
th{font-weight:600;white-space:nowrap}tr:last-child td{border-bottom:0}\
td{overflow-wrap:anywhere;min-width:6rem}\
.chip{display:inline-block;background:var(--chip);border-radius:4px;padding:0 .35rem;margin:0 .2rem .2rem 0;font-size:.85rem}\
form.inline{display:inline}form.filter{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:0 0 1rem}\
label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted)}\
input,select,button{font:inherit;padding:.3rem .5rem;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg)}\
button{cursor:pointer}.pager{display:flex;gap:1rem;margin:1rem 0}\
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}\
.method{font-weight:700;font-family:ui-monospace,monospace}\
details{border:1px solid var(--line);border-radius:6px;padding:.5rem .75rem;margin:.5rem 0}\
summary{cursor:pointer}dl{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}\
@media (max-width:40rem){dl{grid-template-columns:1fr}dd{margin-bottom:.5rem}main{padding:.75rem}}";

/// The stylesheet's CSP source: its SHA-256, base64.
fn stylesheet_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| format!("'sha256-{}'", STANDARD.encode(Sha256::digest(STYLESHEET.as_bytes()))))
}

/// Who may frame a page: CSP `frame-ancestors` sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameAncestors(String);

impl FrameAncestors {
    /// Space-separated sources: `'self'`, `'none'`, or http(s) origins (`https://app.example.com`,
    /// `https://*.example.com`). Anything else (a `;`, a quote other than those keywords) is
    /// refused, so the setting cannot add a directive.
    pub fn parse(raw: &str) -> Option<Self> {
        let sources: Vec<&str> = raw.split_whitespace().collect();
        let origin = |s: &str| {
            let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
            rest.is_some_and(|host| {
                !host.is_empty()
                    && host
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'*'))
            })
        };
        let valid = !sources.is_empty()
            && sources.iter().all(|s| matches!(*s, "'self'" | "'none'") || origin(s))
            && (sources.len() == 1 || !sources.contains(&"'none'"));
        valid.then(|| Self(sources.join(" ")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How pages are sent: the session cookie's attributes and who may frame them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageSettings {
    pub cookies: CookiePolicy,
    /// Who may frame the workspace pages (`PAGE_FRAME_ANCESTORS`; default `'self'`).
    pub frame_ancestors: FrameAncestors,
}

impl PageSettings {
    /// `make dev` and the tests: plain http on localhost, framed by nothing but themselves.
    pub fn local() -> Self {
        Self {
            cookies: CookiePolicy { secure: false },
            frame_ancestors: FrameAncestors("'self'".into()),
        }
    }

    /// `PAGE_FRAME_ANCESTORS` (default `'self'`) and `SESSION_COOKIE_SECURE` (`true` unless
    /// `false`). `None` if one is set to something it cannot be.
    pub fn from_env() -> Option<Self> {
        let set = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let frame_ancestors = match set("PAGE_FRAME_ANCESTORS") {
            Some(raw) => FrameAncestors::parse(&raw)?,
            None => FrameAncestors("'self'".into()),
        };
        let secure = match set("SESSION_COOKIE_SECURE").as_deref().map(str::trim) {
            None | Some("true") => true,
            Some("false") => false,
            Some(_) => return None,
        };
        Some(Self {
            cookies: CookiePolicy { secure },
            frame_ancestors,
        })
    }
}

/// Whether a page may be framed by the configured ancestors (what an embed shows: the
/// workspace pages, the access page a frame without a session lands on, the redirects and
/// error pages on the way) or by none (the reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Embeddable,
    Never,
}

/// A whole document: the layout around `content`, with `nav` in its header.
pub fn document(title: &str, nav: Markup, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) }
                style { (PreEscaped(STYLESHEET)) }
            }
            body {
                header { span.brand { "Workspace" } nav { (nav) } }
                main { (content) }
            }
        }
    }
}

/// A page's response: HTML with the security headers.
pub fn page(status: StatusCode, markup: Markup, settings: &PageSettings, framing: Framing) -> Response<Body> {
    page_text(status, markup.into_string(), settings, framing)
}

/// [`page`] of a document already rendered (the reference, rendered once).
pub fn page_text(status: StatusCode, text: String, settings: &PageSettings, framing: Framing) -> Response<Body> {
    let mut response = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Body::Text(text))
        .expect("a status and static headers always build");
    secure_headers(response.headers_mut(), settings, framing);
    response
}

/// The headers every page and redirect is sent with.
fn secure_headers(headers: &mut lambda_http::http::HeaderMap, settings: &PageSettings, framing: Framing) {
    let ancestors = match framing {
        Framing::Embeddable => settings.frame_ancestors.as_str(),
        Framing::Never => "'none'",
    };
    let policy = format!(
        "default-src 'none'; style-src {}; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}",
        stylesheet_source()
    );
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set("content-security-policy", &policy);
    if ancestors == "'none'" {
        // For browsers that know no frame-ancestors; it cannot say who else may frame.
        set("x-frame-options", "DENY");
    }
    set("x-content-type-options", "nosniff");
    set("referrer-policy", "no-referrer");
    set("cache-control", "no-store");
}

/// A `303 See Other` to `location`, with `set_cookie` if given. Framed as an embed may
/// be: the embed URL's redirect, and the one to the access page, happen inside its frame.
pub fn redirect(location: &str, set_cookie: Option<&str>, settings: &PageSettings) -> Response<Body> {
    let mut response = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Body::Text(
            html! { p { "See " a href=(location) { (location) } } }.into_string(),
        ))
        .expect("a status and static headers always build");
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    if let Some(cookie) = set_cookie.and_then(|c| HeaderValue::from_str(c).ok()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    secure_headers(response.headers_mut(), settings, Framing::Embeddable);
    response
}

/// Pages smaller than this are sent as they are: gzip would save less than it costs.
const GZIP_FROM_BYTES: usize = 1024;

/// Whether the request's `Accept-Encoding` takes gzip (and does not refuse it with `q=0`).
pub fn accepts_gzip(headers: &lambda_http::http::HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| matches!(p.replace(' ', "").as_str(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// A page's response gzipped (`Content-Encoding: gzip`, `Vary: Accept-Encoding`), when its
/// text is large enough to be worth it; anything else as it is.
pub fn gzipped(mut response: Response<Body>) -> Response<Body> {
    use std::io::Write as _;
    let Body::Text(text) = response.body() else {
        return response;
    };
    if text.len() < GZIP_FROM_BYTES || response.headers().contains_key(header::CONTENT_ENCODING) {
        return response;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(text.len() / 4), flate2::Compression::fast());
    let compressed = match encoder.write_all(text.as_bytes()).and_then(|()| encoder.finish()) {
        Ok(bytes) => bytes,
        Err(_) => return response,
    };
    *response.body_mut() = Body::Binary(compressed);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

/// An error as a page: its status, and its message (never its internal detail). It shows
/// no data, and may be what an embed's frame lands on.
pub fn error_page(error: &ApiError, settings: &PageSettings) -> Response<Body> {
    let title = match error.status.as_u16() {
        404 => "Not found",
        400..=499 => "This request cannot be served",
        _ => "Something went wrong",
    };
    let markup = document(
        title,
        html! {},
        html! {
            h1 { (title) }
            p { (error.message) }
            p.muted { "Status " (error.status.as_u16()) }
        },
    );
    let mut response = page(error.status, markup, settings, Framing::Embeddable);
    if let Some(seconds) = error.retry_after {
        response.headers_mut().insert("retry-after", HeaderValue::from(seconds));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_pages_are_gzipped_for_browsers_that_ask() {
        use std::io::Read as _;
        let accepts = |value: &str| {
            let mut headers = lambda_http::http::HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, value.parse().unwrap());
            accepts_gzip(&headers)
        };
        for (value, expected) in [
            ("gzip, deflate, br", true),
            ("br;q=1.0, GZIP;q=0.5", true),
            ("*", true),
            ("identity", false),
            ("gzip;q=0", false),
            ("gzip; q=0.0", false),
            ("br", false),
        ] {
            assert_eq!(accepts(value), expected, "{value}");
        }
        let text = "<p>row</p>".repeat(500);
        let big = page(
            StatusCode::OK,
            html! { (PreEscaped(text.clone())) },
            &PageSettings::local(),
            Framing::Never,
        );
        let original = match big.body() {
            Body::Text(t) => t.clone(),
            _ => unreachable!("a page is text"),
        };
        let zipped = gzipped(big);
        assert_eq!(zipped.headers()["content-encoding"], "gzip");
        assert_eq!(zipped.headers()["vary"], "Accept-Encoding");
        let Body::Binary(bytes) = zipped.body() else {
            panic!("a gzipped page is bytes")
        };
        assert!(
            bytes.len() * 10 < original.len(),
            "{} of {}",
            bytes.len(),
            original.len()
        );
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, original);
        let small = gzipped(page(
            StatusCode::OK,
            html! { p { "hi" } },
            &PageSettings::local(),
            Framing::Never,
        ));
        assert!(small.headers().get("content-encoding").is_none());
    }

    #[test]
    fn frame_ancestors_take_sources_only() {
        for good in [
            "'self'",
            "'none'",
            "https://app.example.com",
            "'self' https://*.example.com http://localhost:8080",
        ] {
            assert!(FrameAncestors::parse(good).is_some(), "{good}");
        }
        for bad in [
            "",
            "self",
            "'self'; script-src *",
            "https://a.com'",
            "'none' 'self'",
            "javascript:x",
            "https://",
        ] {
            assert!(FrameAncestors::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn values_are_escaped_and_no_script_is_allowed() {
        let markup = document("<t>", html! {}, html! { p { ("<script>alert(1)</script>") } }).into_string();
        assert!(markup.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!markup.contains("<script"));
        assert!(markup.contains("<title>&lt;t&gt;</title>"));
        let response = page(StatusCode::OK, html! {}, &PageSettings::local(), Framing::Embeddable);
        let csp = response.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.starts_with("default-src 'none';") && !csp.contains("script-src") && !csp.contains("unsafe"));
        assert!(csp.ends_with("frame-ancestors 'self'"));
        assert!(response.headers().get("x-frame-options").is_none());
        let never = page(StatusCode::OK, html! {}, &PageSettings::local(), Framing::Never);
        assert_eq!(never.headers()["x-frame-options"], "DENY");
    }
}
