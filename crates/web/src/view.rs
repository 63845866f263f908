//! What every page shows around its content (title, navigation, who is signed in), and
//! rendering.

use crate::auth::Viewer;
use crate::error::AppError;
use askama::Template;
use axum::response::Html;
use rise_store::model::Role;

/// A link of the navigation bar.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The page frame.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    pub nav: Vec<NavLink>,
    /// "Ana López · Valley Health (organization admin)", when signed in.
    pub who: Option<String>,
    pub csrf: String,
}

impl Chrome {
    /// The frame of a page for `viewer`, with the navigation for their role.
    pub fn new(viewer: &Viewer, title: &str) -> Self {
        let admin = viewer
            .session
            .as_ref()
            .is_some_and(|s| s.user.role == Role::CoalitionAdmin);
        // Admins reach the public framework page from the editor, which links it.
        let mut links: Vec<(&'static str, &'static str)> = if admin {
            vec![("/", "Coalition")]
        } else {
            vec![("/", "Coalition"), ("/framework", "Framework")]
        };
        let who = match &viewer.session {
            None => {
                links.push(("/apply", "Join"));
                None
            }
            Some(s) => {
                if s.user.role.is_staff() {
                    links.push(("/coalition", "Dashboard"));
                    links.push(("/coalition/applications", "Applications"));
                    links.push(("/coalition/evidence", "Evidence"));
                    if s.user.role == Role::CoalitionAdmin {
                        links.push(("/coalition/framework", "Framework"));
                        links.push(("/coalition/outbox", "Outbox"));
                        links.push(("/coalition/audit", "Audit"));
                    }
                } else {
                    links.push(("/org", "Our organization"));
                    links.push(("/org/datasets", "Data sets"));
                    links.push(("/org/plans", "Action plans"));
                    links.push(("/org/people", "People"));
                }
                Some(format!("{} · {}", s.user.name, role_label(s.user.role)))
            }
        };
        let path = viewer.path.split('?').next().unwrap_or("/");
        Self {
            title: title.to_string(),
            nav: links
                .into_iter()
                .map(|(href, label)| NavLink {
                    href,
                    label,
                    current: path == href,
                })
                .collect(),
            who,
            csrf: viewer.csrf().to_string(),
        }
    }

    /// The frame of an error page, which may not know the viewer.
    pub fn anonymous(title: &str) -> Self {
        Self {
            title: title.to_string(),
            nav: vec![
                NavLink {
                    href: "/",
                    label: "Coalition",
                    current: false,
                },
                NavLink {
                    href: "/framework",
                    label: "Framework",
                    current: false,
                },
            ],
            who: None,
            csrf: String::new(),
        }
    }
}

pub fn role_label(r: Role) -> &'static str {
    match r {
        Role::CoalitionAdmin => "coalition admin",
        Role::Reviewer => "reviewer",
        Role::OrgAdmin => "organization admin",
        Role::OrgMember => "organization member",
    }
}

/// Renders a template as an HTML response.
pub fn render<T: Template>(t: &T) -> Result<Html<String>, AppError> {
    Ok(Html(t.render()?))
}

/// A field's error message, if any, from a list of (field, message).
pub fn field_error<'a>(errors: &'a [(String, String)], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, m)| m.as_str())
}

/// The error of a new-password form whose two entries differ, next to the second one.
pub fn passwords_differ(password: &str, again: &str) -> Option<Vec<(String, String)>> {
    (password != again).then(|| {
        vec![(
            "password_again".into(),
            "The two passwords are not the same.".into(),
        )]
    })
}

/// A store's field errors as a form's (field, message) list; `field` names the form field each
/// store field is shown next to.
pub fn form_errors(
    errors: Vec<rise_store::FieldError>,
    field: impl Fn(&str) -> &str,
) -> Vec<(String, String)> {
    errors
        .into_iter()
        .map(|e| (field(&e.field).to_string(), e.message))
        .collect()
}

/// A count as people read it, with thousands separators (`1,000,000`). Templates pass fields
/// by reference and method results by value, so both are taken.
pub fn n(x: impl Count) -> String {
    x.count()
        .map(rise_aggregate::numbers::thousands)
        .unwrap_or_else(|| "—".into())
}

/// A whole number a page shows as a count.
pub trait Count {
    fn count(self) -> Option<u64>;
}

macro_rules! count_of {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn count(self) -> Option<u64> {
                u64::try_from(self).ok()
            }
        }
        impl Count for &$t {
            fn count(self) -> Option<u64> {
                u64::try_from(*self).ok()
            }
        }
    )*};
}
count_of!(u64, i64, usize);
