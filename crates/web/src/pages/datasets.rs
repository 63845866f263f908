//! A member's data sets: uploading what `rise analyze` wrote, and seeing its measures by group
//! and its ranked inequities with the numbers and charts of the CLI report. Coalition staff see
//! a member's data set only as suppressed.

use crate::Shared;
use crate::auth::Viewer;
use crate::datasets::{DatasetView, load};
use crate::error::AppError;
use crate::tables::{self, Format};
use crate::view::{Chrome, field_error, form_errors, render};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rise_aggregate::inequity::dimension_label;
use rise_aggregate::report::{COMPARISON_EXPLAINED, Findings, findings};
use rise_aggregate::trend::{TrendSpec, periods_of, trend};
use rise_aggregate::trend_chart::{gap_chart, group_charts};
use rise_aggregate::upload::{Measures, UploadError, Via, check};
use rise_store::StoreError;
use rise_store::model::{Actor, Dataset, Organization};
use std::sync::Arc;

#[derive(Template)]
#[template(path = "datasets.html")]
struct DatasetsPage {
    chrome: Chrome,
    org: Organization,
    datasets: Vec<Dataset>,
    label: String,
    errors: Vec<(String, String)>,
}

impl DatasetsPage {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }
}

async fn datasets_page(
    state: &Shared,
    viewer: &Viewer,
    org_id: i64,
    label: String,
    errors: Vec<(String, String)>,
) -> Result<DatasetsPage, AppError> {
    let org = state.store.organization(org_id).await?;
    Ok(DatasetsPage {
        chrome: Chrome::new(viewer, "Data sets"),
        datasets: state.store.datasets(org_id).await?,
        org,
        label,
        errors,
    })
}

/// `GET /org/datasets`.
pub async fn list(
    State(state): State<Shared>,
    viewer: Viewer,
    format: Format,
) -> Result<Response, AppError> {
    let (_, org_id) = viewer.member()?;
    if format.csv {
        return Ok(tables::records(
            "datasets.csv",
            &state.store.datasets(org_id).await?,
        ));
    }
    render(&datasets_page(&state, &viewer, org_id, String::new(), Vec::new()).await?)
        .map(IntoResponse::into_response)
}

/// What the upload form sent.
#[derive(Default)]
struct UploadForm {
    csrf: String,
    label: String,
    /// (file name, bytes) of every chosen file.
    files: Vec<(String, Vec<u8>)>,
}

async fn read_form(mut m: Multipart) -> Result<UploadForm, UploadError> {
    let mut f = UploadForm::default();
    let broken = |e: axum::extract::multipart::MultipartError| UploadError {
        field: "aggregates",
        message: format!("the upload did not arrive whole ({e}); try again"),
    };
    while let Some(field) = m.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(broken)?;
        match name.as_str() {
            "csrf" => f.csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "label" => f.label = String::from_utf8_lossy(&bytes).into_owned(),
            "files" => {
                // A browser sends an empty part when no file was chosen.
                if let Some(n) = file_name.filter(|n| !n.is_empty()) {
                    let n = n.rsplit(['/', '\\']).next().unwrap_or(&n).to_string();
                    f.files.push((n, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    Ok(f)
}

/// Picks the aggregate file and `measures.json` from what was chosen: a whole `rise analyze`
/// folder works, its other files are ignored.
/// The files of an upload that matter: the aggregate file (name, bytes) and `measures.json`.
struct Picked<'a> {
    name: &'a str,
    csv: &'a [u8],
    measures: Measures<'a>,
}

fn pick(files: &[(String, Vec<u8>)]) -> Result<Picked<'_>, UploadError> {
    // The other files of an analysis folder are not aggregate files.
    let csvs: Vec<&(String, Vec<u8>)> = files
        .iter()
        .filter(|(n, _)| n.to_ascii_lowercase().ends_with(".csv"))
        .filter(|(n, _)| !matches!(n.as_str(), "measures.csv" | "rates.csv" | "inequities.csv"))
        .collect();
    let aggregates = files
        .iter()
        .find(|(n, _)| n == "aggregates.csv")
        .or(match csvs.as_slice() {
            [one] => Some(*one),
            _ => None,
        })
        .ok_or_else(|| UploadError {
            field: "aggregates",
            message: if files.is_empty() {
                "Choose the aggregates.csv that rise analyze wrote.".into()
            } else {
                "None of the chosen files is aggregates.csv: choose it (and, if you like, measures.json from the same folder).".into()
            },
        })?;
    let measures = files
        .iter()
        .find(|(n, _)| n == "measures.json")
        .or_else(|| files.iter().find(|(n, _)| n == "measures.csv"))
        .map_or(Measures::InFile, |(n, b)| Measures::File(n, b));
    Ok(Picked {
        name: &aggregates.0,
        csv: &aggregates.1,
        measures,
    })
}

/// `POST /org/datasets` (multipart): all-or-nothing.
pub async fn upload(
    State(state): State<Shared>,
    viewer: Viewer,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let (session, org_id) = viewer.member()?;
    let form = match read_form(multipart).await {
        Ok(f) => f,
        // Nothing is written on this path, so the page can say what went wrong even though
        // the form's token could not be read.
        Err(e) => {
            let errors = vec![(e.field.to_string(), e.message)];
            return refused(&state, &viewer, org_id, String::new(), errors).await;
        }
    };
    viewer.check_csrf(&form.csrf)?;
    let prepared = pick(&form.files)
        .and_then(|p| check(Via::Page, &form.label, "", p.name, p.csv, p.measures));
    let new = match prepared {
        Ok(n) => n,
        Err(e) => {
            let errors = vec![(e.field.to_string(), e.message)];
            return refused(&state, &viewer, org_id, form.label, errors).await;
        }
    };
    match state
        .store
        .add_dataset(org_id, &new, &Actor::user(&session.user))
        .await
    {
        Ok(d) => Ok(Redirect::to(&format!("/org/datasets/{}", d.id)).into_response()),
        Err(StoreError::Invalid(v)) => {
            let errors = form_errors(v, |f| if f == "label" { "label" } else { "aggregates" });
            refused(&state, &viewer, org_id, form.label, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The upload page again, with what was wrong next to its field; nothing was stored.
async fn refused(
    state: &Shared,
    viewer: &Viewer,
    org_id: i64,
    label: String,
    errors: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let page = datasets_page(state, viewer, org_id, label, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// One inequity worth a plan, as a link.
pub struct PlanLink {
    pub sentence: String,
    /// The dimensions that show the same gap, shown under it.
    pub also: String,
    pub dimension: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "dataset.html")]
struct DatasetPage {
    chrome: Chrome,
    org: Organization,
    view: Arc<DatasetView>,
    findings: String,
    /// The largest inequities distinguishable from chance, each with a link to plan for it
    /// (none for staff).
    plan_links: Vec<PlanLink>,
    staff: bool,
    comparison_explained: &'static str,
    over_time: Option<OverTime>,
}

/// The equity view of one inequity over the data set's periods.
pub struct OverTime {
    /// The other inequities to switch to: (href, text, current).
    pub choices: Vec<(String, String, bool)>,
    pub title: String,
    pub multiples: Vec<String>,
    pub gap: String,
}

/// `?trend=measure|dimension` picks the inequity drawn over time.
#[derive(Debug, Default, serde::Deserialize)]
pub struct TrendQuery {
    #[serde(default)]
    pub trend: String,
}

/// Each group of one inequity over time (one p-chart per group on one scale) and the gap
/// between its worst-off group and the comparison group — when the data set has periods.
fn over_time(view: &DatasetView, base: &str, chosen: &str) -> Option<OverTime> {
    let headline: Vec<_> = view
        .inequities
        .iter()
        .filter(|q| q.headline && !q.dimension.contains('*') && q.worst != q.best)
        .take(8)
        .collect();
    let key = |q: &rise_aggregate::inequity::Inequity| format!("{}|{}", q.measure, q.dimension);
    let q = headline
        .iter()
        .find(|q| key(q) == chosen)
        .or(headline.first())?;
    let rows: Vec<_> = view
        .rows
        .iter()
        .filter(|r| r.measure == q.measure && r.dimension == q.dimension)
        .cloned()
        .collect();
    if periods_of(rows.iter()).len() < 2 {
        return None;
    }
    let t = trend(
        &rows,
        &TrendSpec {
            measure: &q.measure,
            dimension: &q.dimension,
            gap: Some((&q.worst, &q.best)),
            multiply: 100.0,
            freeze: None,
        },
    )
    .ok()?;
    Some(OverTime {
        choices: headline
            .iter()
            .map(|h| {
                (
                    format!("{base}?trend={}#over-time", crate::error::encode(&key(h))),
                    format!("{} by {}", h.title, dimension_label(&h.dimension)),
                    key(h) == key(q),
                )
            })
            .collect(),
        title: format!("{} by {}", q.title, dimension_label(&q.dimension)),
        multiples: group_charts("over-time", &t),
        gap: t
            .gap
            .as_ref()
            .map(|g| gap_chart("over-time-gap", &t, g))
            .unwrap_or_default(),
    })
}

fn dataset_page(
    viewer: &Viewer,
    org: Organization,
    view: Arc<DatasetView>,
    staff: bool,
    chosen: &str,
) -> DatasetPage {
    let base = viewer
        .path
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string();
    let period = view.period.clone().unwrap_or_default();
    // Members get the largest inequities with a button to plan for each, so the fragment
    // leaves its own list out for them.
    let html = findings(&Findings {
        period: &period,
        measures: &view.measures,
        rows: &view.rows,
        inequities: &view.inequities,
        top_list: staff,
    });
    let plan_links = view
        .inequities
        .iter()
        .filter(|q| q.headline)
        .take(5)
        .map(|q| PlanLink {
            sentence: q.sentence(),
            also: q
                .also_in
                .iter()
                .map(|d| dimension_label(d))
                .collect::<Vec<_>>()
                .join(", "),
            dimension: dimension_label(&q.dimension),
            href: format!(
                "/org/plans/new?dataset={}&inequity={}",
                view.dataset.id,
                crate::error::encode(&crate::datasets::inequity_key(q))
            ),
        })
        .collect();
    DatasetPage {
        over_time: over_time(&view, &base, chosen),
        chrome: Chrome::new(viewer, &view.dataset.label),
        org,
        findings: html,
        plan_links: if staff { Vec::new() } else { plan_links },
        view,
        staff,
        comparison_explained: COMPARISON_EXPLAINED,
    }
}

/// `GET /org/datasets/{id}`: the member's own numbers, exact if it uploaded them exact.
pub async fn show(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<i64>,
    format: Format,
    Query(q): Query<TrendQuery>,
) -> Result<Response, AppError> {
    let (_, org_id) = viewer.member()?;
    let view = load(&state, org_id, id, false).await?;
    if format.csv {
        return Ok(download(&view, format));
    }
    let org = state.store.organization(org_id).await?;
    render(&dataset_page(&viewer, org, view, false, &q.trend)).map(IntoResponse::into_response)
}

/// A data set's tables as CSV, as this viewer sees them.
fn download(view: &DatasetView, format: Format) -> Response {
    if format.inequities {
        tables::download("inequities.csv", crate::datasets::inequities_csv(view))
    } else {
        tables::download("rates.csv", crate::datasets::rates_csv(view))
    }
}

/// `GET /coalition/members/{org}/datasets/{id}`: a member's data set as staff may see it,
/// always suppressed.
pub async fn show_to_staff(
    State(state): State<Shared>,
    viewer: Viewer,
    Path((org_id, id)): Path<(i64, i64)>,
    format: Format,
    Query(q): Query<TrendQuery>,
) -> Result<Response, AppError> {
    viewer.staff()?;
    let view = load(&state, org_id, id, true).await?;
    if format.csv {
        return Ok(download(&view, format));
    }
    let org = state.store.organization(org_id).await?;
    render(&dataset_page(&viewer, org, view, true, &q.trend)).map(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_folder_can_be_chosen() {
        let f = |n: &str| (n.to_string(), n.as_bytes().to_vec());
        let folder = [
            f("inequities.csv"),
            f("aggregates.csv"),
            f("measures.json"),
            f("report.html"),
        ];
        let p = pick(&folder).unwrap();
        assert_eq!(
            (p.name, p.csv),
            ("aggregates.csv", b"aggregates.csv".as_slice())
        );
        assert_eq!(
            p.measures,
            Measures::File("measures.json", b"measures.json".as_slice())
        );
        // A folder of this version: aggregates.csv, measures.csv, rates.csv, inequities.csv.
        let folder = [
            f("rates.csv"),
            f("measures.csv"),
            f("inequities.csv"),
            f("aggregates.csv"),
        ];
        let p = pick(&folder).unwrap();
        assert_eq!(p.name, "aggregates.csv");
        assert!(matches!(p.measures, Measures::File("measures.csv", _)));
        // Renamed aggregates beside measures.csv are still found.
        let renamed = [f("alpha.csv"), f("measures.csv")];
        let p = pick(&renamed).unwrap();
        assert_eq!(p.name, "alpha.csv");
        // A renamed aggregate file on its own is taken as it is.
        let one = [f("alpha-2024.csv")];
        let p = pick(&one).unwrap();
        assert_eq!((p.name, p.measures), ("alpha-2024.csv", Measures::InFile));
        assert!(matches!(pick(&[]), Err(e) if e.field == "aggregates"));
        assert!(pick(&[f("a.csv"), f("b.csv")]).is_err());
    }
}
