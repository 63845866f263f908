//! Starting and ending a browser session: the cookie, and where the browser goes next.

use crate::Shared;
use crate::auth::SESSION_COOKIE;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};

/// The answer that starts a session: its cookie, and a redirect to `next` (a path on this
/// site) or the person's home page.
pub(crate) fn signed_in(
    state: &Shared,
    token: &str,
    session: &rise_store::Session,
    next: &str,
) -> Response {
    let home = if session.user.role.is_staff() {
        "/coalition"
    } else {
        "/org"
    };
    let next = Some(safe_next(next))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| home.to_string());
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        rise_store::SESSION_SECONDS
    );
    ([(SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}

/// The answer after a sign-out: the session cookie cleared, back to the home page.
pub fn signed_out() -> Response {
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    ([(SET_COOKIE, clear)], Redirect::to("/")).into_response()
}

/// Only paths on this site: never an open redirect, never a header that cannot be sent.
///
/// Browsers strip tabs and newlines from a URL and read `\` as `/`, so `/\t/evil.example`
/// or `/\evil.example` become `//evil.example`, another site. Accepted: one `/` then
/// visible ASCII only (no controls, whitespace or non-ASCII, which cannot go in a `Location`
/// header), no backslash and no `//` anywhere; once percent-decoded, still no control
/// character, backslash or `//`. Anything else is the empty string: the person's home page.
pub(crate) fn safe_next(next: &str) -> String {
    let no_slip = |s: &[u8]| {
        !s.iter().any(|b| b.is_ascii_control() || *b == b'\\') && !s.windows(2).any(|w| w == b"//")
    };
    let raw = next.as_bytes();
    if raw.len() <= 2000
        && raw.first() == Some(&b'/')
        && raw.iter().all(u8::is_ascii_graphic)
        && no_slip(raw)
        && no_slip(&percent_decoded(next))
    {
        next.to_string()
    } else {
        String::new()
    }
}

/// `s` with `%XX` escapes decoded once (others left as they are).
fn percent_decoded(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(((h << 4) | l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_on_this_site_are_followed() {
        for ok in [
            "/org",
            "/org/plans?x=1&y=%20z#top",
            "/coalition/members/3",
            "/login?next=%2Forg",
            "/a:b",
        ] {
            assert_eq!(safe_next(ok), ok, "{ok:?} should be kept");
        }
        for hostile in [
            "",
            "org",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "\t//evil.example",
            " /org",
            "/org ",
            "/ /evil.example",
            "/\r\nSet-Cookie: a=b",
            "/\u{0}",
            "/\u{7f}",
            "/\u{85}evil",
            "/\u{a0}",
            "/\u{2028}",
            "/org\u{e9}",
            "https://evil.example/",
            "http:/evil.example",
            "javascript:alert(1)",
            "data:text/html,x",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%0d%0aSet-Cookie:%20a=b",
            "/a//b",
            "/org/..//evil.example",
            &format!("/{}", "a".repeat(2001)),
        ] {
            assert_eq!(safe_next(hostile), "", "{hostile:?} must not be followed");
        }
    }
}
