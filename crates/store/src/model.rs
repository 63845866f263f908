//! The coalition's vocabulary: organization types, roles, statuses, and the records the store
//! keeps. Plain data; parsing from and to the text stored in the database.

pub use crate::email::Email;
use serde::{Deserialize, Serialize};

/// A stored key the code does not know: the database was changed by hand or by a newer
/// version.
#[derive(Debug, thiserror::Error)]
#[error("unexpected {what} '{key}' in the database")]
pub struct UnknownKey {
    what: &'static str,
    key: String,
}

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $key:literal : $label:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The key stored in the database and used in URLs and the API.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            /// The name people read.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Parses a key.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($key => Some($name::$variant),)+ _ => None }
            }
        }

        /// How a stored key is read back (`#[sqlx(try_from = "String")]`).
        impl TryFrom<String> for $name {
            type Error = UnknownKey;

            fn try_from(s: String) -> Result<Self, UnknownKey> {
                Self::parse(&s).ok_or(UnknownKey {
                    what: stringify!($name),
                    key: s,
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

text_enum! {
    /// The kinds of organization that join the coalition.
    OrgKind {
        HealthSystem = "health_system": "Health system",
        Hospital = "hospital": "Hospital",
        CommunityHealthCenter = "community_health_center": "Community health center",
        PhysicianPractice = "physician_practice": "Physician practice",
        IndividualPractitioner = "individual_practitioner": "Individual practitioner",
        HealthPlan = "health_plan": "Health plan / payer",
        PharmaBiotech = "pharma_biotech": "Pharmaceutical or biotech company",
        ProfessionalSociety = "professional_society": "Professional society",
        CommunityOrganization = "community_organization": "Community-based organization",
        RegionalCollaborative = "regional_collaborative": "Regional health improvement collaborative",
        ResearchOrganization = "research_organization": "Research organization",
    }
}

text_enum! {
    /// Where a membership application stands.
    OrgStatus {
        Applied = "applied": "Applied",
        Approved = "approved": "Approved member",
        Declined = "declined": "Declined",
    }
}

text_enum! {
    /// Where a message in the outbox stands.
    MailStatus {
        /// Waiting for the mailer.
        Queued = "queued": "Queued",
        /// Handed to the transport, not yet confirmed.
        Sending = "sending": "Being sent",
        Sent = "sent": "Sent",
        /// The mailer gave up after several tries.
        Failed = "failed": "Failed",
        /// Resent: a newer message (with a fresh link, for an invitation) took its place.
        Replaced = "replaced": "Replaced by a resend",
        /// Written before Rise delivered mail; never sent.
        Withdrawn = "withdrawn": "Not sent",
        /// Written before Rise delivered mail, with a one-time link that was taken out.
        Redacted = "redacted": "Not sent (link removed)",
    }
}

text_enum! {
    /// A coalition admin's answer to a membership application.
    Decision {
        Approve = "approve": "Approve",
        Decline = "decline": "Decline",
    }
}

text_enum! {
    /// What a signed-in person may do. The public has no account.
    Role {
        /// Runs the coalition: reviews applications, edits the framework, sees every member.
        CoalitionAdmin = "coalition_admin": "Coalition admin",
        /// Reviews applications and members' progress; reads, does not edit the framework.
        Reviewer = "reviewer": "Reviewer",
        /// Runs one member organization: invites people, commits, uploads, plans.
        OrgAdmin = "org_admin": "Organization admin",
        /// Works inside one member organization.
        OrgMember = "org_member": "Organization member",
    }
}

impl Role {
    /// Whether the role belongs to coalition staff (not to a member organization).
    pub fn is_staff(self) -> bool {
        matches!(self, Role::CoalitionAdmin | Role::Reviewer)
    }
}

text_enum! {
    /// Progress on a committed action.
    CommitmentStatus {
        Planned = "planned": "Planned",
        InProgress = "in_progress": "In progress",
        Done = "done": "Done",
    }
}

text_enum! {
    /// Progress of an action plan.
    PlanStatus {
        Draft = "draft": "Draft",
        Active = "active": "Active",
        Achieved = "achieved": "Target reached",
        Closed = "closed": "Closed",
    }
}

text_enum! {
    /// Where a plan's evidence of impact stands in review.
    EvidenceStatus {
        Submitted = "submitted": "Awaiting review",
        Approved = "approved": "Approved",
        Returned = "returned": "Returned with comments",
    }
}

/// US states and DC, for the application form.
pub const STATES: [&str; 51] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY",
];

/// The US Census region of a state.
pub fn region_of(state: &str) -> Option<&'static str> {
    Some(match state {
        "CT" | "ME" | "MA" | "NH" | "RI" | "VT" | "NJ" | "NY" | "PA" => "Northeast",
        "IL" | "IN" | "MI" | "OH" | "WI" | "IA" | "KS" | "MN" | "MO" | "NE" | "ND" | "SD" => {
            "Midwest"
        }
        "DE" | "DC" | "FL" | "GA" | "MD" | "NC" | "SC" | "VA" | "WV" | "AL" | "KY" | "MS"
        | "TN" | "AR" | "LA" | "OK" | "TX" => "South",
        "AZ" | "CO" | "ID" | "MT" | "NV" | "NM" | "UT" | "WY" | "AK" | "CA" | "HI" | "OR"
        | "WA" => "West",
        _ => return None,
    })
}

/// A member organization or an applicant.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: OrgKind,
    pub state: String,
    pub region: String,
    pub contact_name: String,
    pub contact_email: String,
    pub why: String,
    #[sqlx(try_from = "String")]
    pub status: OrgStatus,
    pub decision_reason: Option<String>,
    pub applied_at: String,
    pub decided_at: Option<String>,
}

/// What an applicant fills in.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Application {
    pub name: String,
    pub kind: String,
    pub state: String,
    pub contact_name: String,
    pub contact_email: String,
    pub why: String,
}

/// A person with an account.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub organization_id: Option<i64>,
    pub created_at: String,
}

/// An open invitation: whom it is for, into which organization, with which role.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Invitation {
    /// The organization's name.
    pub organization: String,
    pub email: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
}

/// One published version of the framework.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct FrameworkVersion {
    pub version: i64,
    pub note: String,
    pub created_at: String,
}

/// A category of the framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub key: String,
    pub title: String,
    pub summary: String,
}

/// An evidence-based action of the framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    pub key: String,
    pub category: String,
    pub title: String,
    pub description: String,
    /// Organization types the action fits.
    pub fits: Vec<OrgKind>,
    pub evidence: String,
}

/// One version of the framework: categories in order and their actions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Framework {
    pub version: i64,
    pub note: String,
    pub created_at: String,
    pub categories: Vec<Category>,
    pub actions: Vec<Action>,
}

impl Framework {
    /// The actions of a category that fit an organization type.
    pub fn fitting<'a>(
        &'a self,
        category: &'a str,
        kind: OrgKind,
    ) -> impl Iterator<Item = &'a Action> {
        self.actions
            .iter()
            .filter(move |a| a.category == category && a.fits.contains(&kind))
    }

    /// The categories in which an organization type has at least one fitting action: those a
    /// member must commit in.
    pub fn required_categories(&self, kind: OrgKind) -> Vec<&Category> {
        self.categories
            .iter()
            .filter(|c| self.fitting(&c.key, kind).next().is_some())
            .collect()
    }

    /// An action by key.
    pub fn action(&self, key: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.key == key)
    }
}

/// A member's commitment to an action.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Commitment {
    pub id: i64,
    pub organization_id: i64,
    pub action_key: String,
    pub category: String,
    #[sqlx(try_from = "String")]
    pub status: CommitmentStatus,
    pub notes: String,
    pub evidence_url: String,
    pub created_at: String,
    pub updated_at: String,
}

/// An uploaded aggregate data set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dataset {
    pub id: i64,
    pub organization_id: i64,
    pub label: String,
    /// What made it (e.g. `rise analyze 0.1.0, FHIR R4`).
    pub source: String,
    pub rows: i64,
    pub suppressed_rows: i64,
    /// Whether the member uploaded exact small counts (then only the member sees them).
    pub unsuppressed: bool,
    pub uploaded_at: String,
}

/// An action plan aimed at one inequity.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Plan {
    pub id: i64,
    pub organization_id: i64,
    pub dataset_id: i64,
    pub measure: String,
    pub dimension: String,
    pub subgroup: String,
    pub reference: String,
    pub period: String,
    pub baseline_rate: Option<f64>,
    pub reference_rate: Option<f64>,
    pub target_rate: f64,
    pub owner: String,
    pub changes: String,
    pub start_date: String,
    pub target_date: String,
    #[sqlx(try_from = "String")]
    pub status: PlanStatus,
    pub created_at: String,
    pub updated_at: String,
}

/// A plan's evidence of impact as submitted: the computed evidence frozen at submission
/// (`snapshot`, the JSON of `rise_aggregate::evidence::Evidence`, left out of the audit log
/// for its size), its verdict and one-line summary, and the review.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct EvidenceRecord {
    pub id: i64,
    pub organization_id: i64,
    pub plan_id: i64,
    #[sqlx(try_from = "String")]
    pub status: EvidenceStatus,
    /// `rise_aggregate::evidence::Verdict::key`.
    pub verdict: String,
    pub summary: String,
    #[serde(skip)]
    pub snapshot: String,
    /// The member's note to the reviewer.
    pub note: String,
    pub submitted_at: String,
    pub reviewed_at: Option<String>,
    pub reviewer_comment: String,
    pub updated_at: String,
}

/// One step of a review: submitted, approved or returned, by whom, with what comment.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct EvidenceStep {
    pub id: i64,
    pub evidence_id: i64,
    pub action: String,
    pub comment: String,
    pub actor: String,
    pub at: String,
}

/// A piece of evidence in the staff's review queue, with whose it is and what it is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceListing {
    pub evidence: EvidenceRecord,
    pub organization: String,
    pub measure: String,
    pub dimension: String,
    pub subgroup: String,
    pub reference: String,
}

/// What a plan's author fills in.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlanInput {
    pub dataset_id: i64,
    pub measure: String,
    pub dimension: String,
    pub subgroup: String,
    pub reference: String,
    pub period: String,
    pub baseline_rate: Option<f64>,
    pub reference_rate: Option<f64>,
    pub target_rate: f64,
    pub owner: String,
    pub changes: String,
    pub start_date: String,
    pub target_date: String,
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Who is writing, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub label: String,
}

impl Actor {
    /// A signed-in user.
    pub fn user(u: &User) -> Self {
        Self {
            user_id: Some(u.id),
            label: u.email.clone(),
        }
    }

    /// The system itself (seeding, the demo), or the public (an application form).
    pub fn system(label: &str) -> Self {
        Self {
            user_id: None,
            label: label.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    /// The API and forms read these enums with serde: its names must be the stored keys.
    #[test]
    fn serde_names_are_the_keys() {
        fn same<T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug + Copy>(
            all: &[T],
            key: fn(T) -> &'static str,
        ) {
            for &v in all {
                assert_eq!(serde_json::to_value(v).unwrap(), key(v));
                let back: T = serde_json::from_value(serde_json::json!(key(v))).unwrap();
                assert_eq!(back, v);
            }
        }
        same(OrgKind::ALL, OrgKind::key);
        same(OrgStatus::ALL, OrgStatus::key);
        same(MailStatus::ALL, MailStatus::key);
        same(Decision::ALL, Decision::key);
        same(Role::ALL, Role::key);
        same(CommitmentStatus::ALL, CommitmentStatus::key);
        same(PlanStatus::ALL, PlanStatus::key);
    }

    use super::*;

    #[test]
    fn keys_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.key()), Some(*k));
        }
        for r in Role::ALL {
            assert_eq!(Role::parse(r.key()), Some(*r));
        }
        assert_eq!(OrgKind::ALL.len(), 11);
        assert_eq!(OrgKind::parse("bank"), None);
    }

    #[test]
    fn every_state_has_a_region() {
        for s in STATES {
            assert!(region_of(s).is_some(), "{s}");
        }
        assert_eq!(region_of("MA"), Some("Northeast"));
        assert_eq!(region_of("XX"), None);
    }
}
