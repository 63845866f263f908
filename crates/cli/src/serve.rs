//! `rise serve` (the coalition platform) and `rise demo` (the same, on a fresh SQLite file
//! filled with a realistic demo coalition).

use crate::cli::{DemoArgs, ServeArgs};
use crate::demo_evidence::{self, Story};
use anyhow::{Context, Result};
use rise_aggregate::upload::Upload;
use rise_engine::generate::{Config as GenConfig, OutFormat, generate};
use rise_engine::output::Job;
use rise_engine::pipeline::Config;
use rise_engine::{dimensions, measures, period};
use rise_store::model::{Actor, Application, CommitmentStatus, OrgKind, PlanInput, Role};
use rise_store::{FrameworkFile, Store};
use rise_web::AppState;
use rise_web::mailer::Mailer;
use std::path::Path;

/// The server's log on stderr: one line per request (its id, route, status and time) and
/// every error, at `info` unless `RUST_LOG` says otherwise (e.g. `RUST_LOG=rise_web=debug`).
fn log_to_stderr() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second call (tests call serve twice in one process) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Publishes the seed framework into an empty database.
async fn ensure_framework(store: &Store) -> Result<()> {
    if store.current_framework().await.is_err() {
        let seed = FrameworkFile::seed()?;
        store
            .publish_framework(
                &seed,
                "The coalition's starting framework",
                &Actor::system("rise"),
            )
            .await?;
    }
    Ok(())
}

async fn listen(bind: &str, state: AppState) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    println!("Rise is serving on http://{addr}/  (Ctrl-C stops it)");
    rise_web::serve(listener, state)
        .await
        .context("the server stopped")
}

pub fn serve(args: &ServeArgs) -> Result<()> {
    log_to_stderr();
    runtime()?.block_on(async {
        let store = Store::open(&args.database_url)
            .await
            .with_context(|| "cannot open the database".to_string())?;
        ensure_framework(&store).await?;
        if !store.has_staff().await? {
            let email = std::env::var("RISE_ADMIN_EMAIL").unwrap_or_default();
            let password = std::env::var("RISE_ADMIN_PASSWORD").unwrap_or_default();
            if email.is_empty() || password.is_empty() {
                eprintln!(
                    "note: the database has no coalition admin yet. Set RISE_ADMIN_EMAIL and RISE_ADMIN_PASSWORD (12 characters or more, not easy to guess: a few unrelated words) and start again to create one."
                );
            } else {
                let made = store
                    .create_user(&email, "Coalition admin", &password, Role::CoalitionAdmin, None, &Actor::system("rise serve"))
                    .await;
                // A weak password or a bad email is the user's to fix: exit code 2.
                if let Err(rise_store::StoreError::Invalid(v)) = &made {
                    let what: Vec<String> = v
                        .iter()
                        .map(|f| format!("RISE_ADMIN_{}: {}", f.field.to_ascii_uppercase(), f.message))
                        .collect();
                    return Err(crate::error::input(what.join("; ")));
                }
                made?;
                eprintln!("Created the coalition admin {email}.");
            }
        }
        let mut state = AppState::new(store, args.secure_cookies)
            .trust_forwarded_for(args.trust_forwarded_for)
            .sign_ins_per_minute(args.sign_ins_per_minute);
        let site = args.public_url.clone().unwrap_or_else(|| format!("http://{}", args.bind));
        let mailer = match (&args.smtp_url, &args.mail_dir) {
            (Some(url), _) => Some(Mailer::to_smtp(url, &args.mail_from, &site).map_err(|e| crate::error::input(format!("--smtp-url: {e}")))?),
            (None, Some(dir)) => Some(Mailer::to_folder(dir.clone(), &args.mail_from, &site).map_err(|e| crate::error::input(format!("--mail-dir: {e}")))?),
            (None, None) => None,
        };
        match mailer {
            Some(m) => {
                eprintln!("Mail goes out {}.", m.describe());
                state = state.mailer(m);
            }
            None => eprintln!(
                "note: no mail transport; invitations, decisions and password resets wait in the outbox (give --smtp-url or --mail-dir to deliver them)."
            ),
        }
        listen(&args.bind, state).await
    })
}

/// Demo organizations: name, type, state; approved unless the last field says otherwise.
const ORGS: [(&str, OrgKind, &str); 36] = [
    ("Valley Health System", OrgKind::HealthSystem, "CA"),
    ("Lakeshore Health", OrgKind::HealthSystem, "IL"),
    ("Piedmont Regional Health", OrgKind::HealthSystem, "GA"),
    ("Cascade Health Partners", OrgKind::HealthSystem, "WA"),
    ("St. Brigid Hospital", OrgKind::Hospital, "MA"),
    ("Riverbend Community Hospital", OrgKind::Hospital, "OH"),
    ("Mesa General Hospital", OrgKind::Hospital, "AZ"),
    ("Gulf Coast Medical Center", OrgKind::Hospital, "TX"),
    (
        "Northside Community Health Center",
        OrgKind::CommunityHealthCenter,
        "NY",
    ),
    ("La Clínica del Valle", OrgKind::CommunityHealthCenter, "NM"),
    (
        "Delta Family Health Center",
        OrgKind::CommunityHealthCenter,
        "MS",
    ),
    ("Harbor Health Center", OrgKind::CommunityHealthCenter, "MD"),
    ("Prairie Family Medicine", OrgKind::PhysicianPractice, "KS"),
    ("Eastside Pediatrics", OrgKind::PhysicianPractice, "MI"),
    (
        "Blue Ridge Internal Medicine",
        OrgKind::PhysicianPractice,
        "VA",
    ),
    (
        "Dr. Amara Okafor, MD",
        OrgKind::IndividualPractitioner,
        "PA",
    ),
    ("Dr. Luis Ortega, DO", OrgKind::IndividualPractitioner, "FL"),
    ("Keystone Health Plan", OrgKind::HealthPlan, "PA"),
    ("Sunbelt Medicaid Partners", OrgKind::HealthPlan, "FL"),
    ("Great Lakes Health Plan", OrgKind::HealthPlan, "MN"),
    ("Helix Therapeutics", OrgKind::PharmaBiotech, "NJ"),
    ("Meridian Biosciences", OrgKind::PharmaBiotech, "MA"),
    (
        "Society of Community Cardiology",
        OrgKind::ProfessionalSociety,
        "DC",
    ),
    (
        "American Academy of Equity in Nursing",
        OrgKind::ProfessionalSociety,
        "IL",
    ),
    (
        "Southside Neighbors United",
        OrgKind::CommunityOrganization,
        "IL",
    ),
    ("Promotoras del Norte", OrgKind::CommunityOrganization, "TX"),
    (
        "Tribal Wellness Circle",
        OrgKind::CommunityOrganization,
        "SD",
    ),
    (
        "Puget Sound Health Alliance",
        OrgKind::RegionalCollaborative,
        "WA",
    ),
    (
        "Carolina Health Improvement Collaborative",
        OrgKind::RegionalCollaborative,
        "NC",
    ),
    (
        "Institute for Equity Research",
        OrgKind::ResearchOrganization,
        "MD",
    ),
    (
        "Heartland Outcomes Research",
        OrgKind::ResearchOrganization,
        "MO",
    ),
    ("Sierra Rural Health Network", OrgKind::HealthSystem, "NV"),
    (
        "Bayou Community Clinic",
        OrgKind::CommunityHealthCenter,
        "LA",
    ),
    (
        "Granite State Family Practice",
        OrgKind::PhysicianPractice,
        "NH",
    ),
    ("Mountain West Health Plan", OrgKind::HealthPlan, "CO"),
    (
        "Appalachian Health Collaborative",
        OrgKind::RegionalCollaborative,
        "WV",
    ),
];

fn slug(name: &str) -> String {
    let s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Demo passwords: printed, and only good for a local demo. They go through the same
/// strength check as any other (a test below keeps them passing it).
const ADMIN_PASSWORD: &str = "rise-demo-admin";
const MEMBER_PASSWORD: &str = "rise-demo-member";

pub fn demo(args: &DemoArgs) -> Result<()> {
    log_to_stderr();
    let dir = &args.dir;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let db = dir.join("rise.db");
    for f in ["rise.db", "rise.db-wal", "rise.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    // The last demo's mail: message numbers start again with the database.
    let _ = std::fs::remove_dir_all(dir.join("mail"));
    use chrono::Datelike;
    let year = chrono::Local::now().year() - 1;
    eprintln!("Making demo data sets with rise generate + rise analyze (a minute)…");
    let mut datasets = Vec::new();
    for (i, seed) in [11u64, 23, 37].iter().enumerate() {
        datasets.push(make_dataset(dir, i, *seed, year)?);
    }
    runtime()?.block_on(async {
        let store = Store::open_sqlite(&db).await?;
        ensure_framework(&store).await?;
        seed_coalition(&store, &datasets, year).await?;
        println!();
        println!(
            "Demo coalition ready ({} organizations). Sign in as:",
            ORGS.len()
        );
        println!("  coalition admin      admin@rise.example / {ADMIN_PASSWORD}");
        println!("  reviewer             reviewer@rise.example / {ADMIN_PASSWORD}");
        println!(
            "  organization admin   admin@{}.example / {MEMBER_PASSWORD}",
            slug(ORGS[0].0)
        );
        println!("  (every member organization has admin@<name>.example with the same password)");
        println!("Database: {}", db.display());
        let mail = args.dir.join("mail");
        let mailer = Mailer::to_folder(
            mail.clone(),
            "Rise demo <no-reply@rise.invalid>",
            &format!("http://{}", args.bind),
        )
        .with_context(|| format!("cannot use {} for mail", mail.display()))?;
        println!("Mail (decisions, invitations): {}", mail.display());
        listen(&args.bind, AppState::new(store, false).mailer(mailer)).await
    })
}

/// A generated population analysed into a suppressed aggregate data set.
fn make_dataset(dir: &Path, i: usize, seed: u64, year: i32) -> Result<Upload> {
    let data = dir.join(format!("population-{i}"));
    let out = dir.join(format!("analysis-{i}"));
    let cfg = GenConfig {
        patients: 6000,
        seed,
        out: data.clone(),
        format: OutFormat::Parquet,
        year,
    };
    generate(&cfg, &|_| {})?;
    let area = Some(data.join("area_index.csv")).filter(|p| p.is_file());
    let job = Job {
        config: Config {
            input: data,
            format: None,
            measures: measures::builtin(),
            periods: vec![period::year(year)?],
            groupings: dimensions::default_list(area.is_some()),
            area_index: area,
            strict: false,
        },
        out,
        suppress: true,
    };
    let analysis = crate::analyze::analyze(&job, &|_, _, _| {})?;
    Ok(Upload::new(
        &format!("EHR extract {year}"),
        &format!(
            "rise analyze {} (synthetic population, seed {seed})",
            env!("CARGO_PKG_VERSION")
        ),
        analysis.rows,
        analysis.measures,
        false,
    ))
}

async fn seed_coalition(store: &Store, datasets: &[Upload], year: i32) -> Result<()> {
    let system = Actor::system("rise demo");
    let admin = store
        .create_user(
            "admin@rise.example",
            "Coalition Admin",
            ADMIN_PASSWORD,
            Role::CoalitionAdmin,
            None,
            &system,
        )
        .await?;
    let reviewer = store
        .create_user(
            "reviewer@rise.example",
            "Riley Reviewer",
            ADMIN_PASSWORD,
            Role::Reviewer,
            None,
            &system,
        )
        .await?;
    let staff = Actor::user(&admin);
    let fw = store.current_framework().await?;
    let today = chrono::Local::now().date_naive();
    let bp_measure = datasets
        .first()
        .and_then(|d| d.measures().iter().find(|m| m.id == "bp_control"));
    for (i, (name, kind, state)) in ORGS.iter().enumerate() {
        let o = store
            .apply(
                &Application {
                    name: name.to_string(),
                    kind: kind.key().to_string(),
                    state: state.to_string(),
                    contact_name: "Jordan Lee".into(),
                    contact_email: format!("equity@{}.example", slug(name)),
                    why: "We want to find our largest inequities and show our board that they shrink.".into(),
                },
                &Actor::system("public application form"),
            )
            .await?;
        // The last four are still waiting; one was declined.
        if i >= ORGS.len() - 4 {
            continue;
        }
        if i == 30 {
            store
                .decide(
                    o.id,
                    false,
                    "Please apply through your health system, which is already a member.",
                    &staff,
                )
                .await?;
            continue;
        }
        store.decide(o.id, true, "", &staff).await?;
        let user = store
            .create_user(
                &format!("admin@{}.example", slug(name)),
                "Jordan Lee",
                MEMBER_PASSWORD,
                Role::OrgAdmin,
                Some(o.id),
                &system,
            )
            .await?;
        let me = Actor::user(&user);
        // Stages: most adopt, some are part-way.
        let stage = i % 5;
        let categories = fw.required_categories(*kind);
        let take = if stage == 4 { 2 } else { categories.len() };
        for (k, c) in categories.iter().take(take).enumerate() {
            if let Some(a) = fw
                .fitting(&c.key, *kind)
                .nth(i % 2)
                .or_else(|| fw.fitting(&c.key, *kind).next())
            {
                let made = store.commit(o.id, &a.key, &me).await?;
                let status = [
                    CommitmentStatus::Done,
                    CommitmentStatus::InProgress,
                    CommitmentStatus::Planned,
                ][(i + k) % 3];
                store
                    .update_commitment(o.id, made.id, status, "", "", &me)
                    .await?;
            }
        }
        if stage != 4 && stage != 3 {
            let d = &datasets[i % datasets.len()];
            let ds = store.add_dataset(o.id, d, &me).await?;
            let plan = PlanInput {
                dataset_id: ds.id,
                measure: "bp_control".into(),
                dimension: "race_ethnicity".into(),
                subgroup: "Black or African American".into(),
                reference: "White".into(),
                period: year.to_string(),
                target_rate: 0.6,
                owner: "Chief Quality Officer".into(),
                changes: "Home blood-pressure monitoring with pharmacist follow-up; team huddles on uncontrolled patients; community health worker outreach.".into(),
                start_date: format!("{}-01-15", year + 1),
                target_date: format!("{}-12-31", year + 1),
                ..PlanInput::default()
            };
            store.create_plan(o.id, &plan, &me).await?;
        }
        let applied = today - chrono::Duration::days(540 - (i as i64) * 14);
        store.backdate_for_demo(o.id, &applied.to_string()).await?;
        // The first three adopters also show the loop closing: quarters before and after a
        // change, and the evidence reviewed (after the backdating, which would move it).
        let story = match i {
            0 => Some(Story::Approved),
            1 => Some(Story::Returned),
            2 => Some(Story::LevellingDown),
            _ => None,
        };
        if let (Some(story), Some(m)) = (story, bp_measure) {
            demo_evidence::seed(store, o.id, &me, &Actor::user(&reviewer), story, m, today).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_passwords_pass_the_strength_check() {
        let mut accounts = vec![
            (
                ADMIN_PASSWORD,
                "admin@rise.example".to_string(),
                "Coalition Admin",
            ),
            (
                ADMIN_PASSWORD,
                "reviewer@rise.example".to_string(),
                "Riley Reviewer",
            ),
        ];
        for (name, _, _) in ORGS {
            accounts.push((
                MEMBER_PASSWORD,
                format!("admin@{}.example", slug(name)),
                "Jordan Lee",
            ));
        }
        for (password, email, name) in accounts {
            assert_eq!(
                rise_store::password_problem(password, &email, name),
                None,
                "{email}"
            );
        }
    }
}
