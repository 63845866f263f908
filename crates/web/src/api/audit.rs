//! The audit log (coalition admins).

use super::prelude::*;

/// This resource's routes.
pub fn router() -> Router<Shared> {
    // The latest 200 writes.
    Router::new().route(
        "/coalition/audit",
        staff_list(Staff::Admins, "audit.csv", |s| async move {
            s.audit_log(None, 200).await
        }),
    )
}
