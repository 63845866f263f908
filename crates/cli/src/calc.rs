//! `rise calc`: one patient through a calculator, race-free and race-based side by side.

use crate::cli::{
    CalcArgs, CalcEquation, CalcFormat, EgfrArgs, HistoryArg, PceArgs, PreventArgs, RaceArg,
    SexArg, VbacArgs,
};
use crate::error::input;
use anyhow::Result;
use rise_calculators::pce::{self, PceInputs, RiskCategory};
use rise_calculators::prevent::{self, Horizon, PreventInputs};
use rise_calculators::vbac::{self, History, VbacInputs, Version};
use rise_calculators::{
    CalcError, CreatinineUnit, Decision, Equation, Kidney, Race, Sex, Stage, catalog, egfr,
};
use serde_json::{Value, json};

pub fn run(args: &CalcArgs) -> Result<()> {
    let json = args.format == CalcFormat::Json;
    match &args.equation {
        Some(CalcEquation::Egfr(a)) => print(json, egfr_result(a)?),
        Some(CalcEquation::Pce(a)) => print(json, pce_result(a)?),
        Some(CalcEquation::Prevent(a)) => print(json, prevent_result(a)?),
        Some(CalcEquation::Vbac(a)) => print(json, vbac_result(a)?),
        None if args.list => list(json),
        None => Err(input(
            "name a calculator (egfr, pce, prevent, vbac) or give --list; see rise calc --help",
        )),
    }
}

/// A result: the JSON scripts read, and the lines people read.
struct Output {
    json: Value,
    lines: Vec<String>,
}

fn print(json: bool, out: Output) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(&out.json)?);
    } else {
        for line in out.lines {
            println!("{line}");
        }
    }
    Ok(())
}

/// The calculator's refusal, naming the flag the value came from.
fn refused(e: CalcError) -> anyhow::Error {
    let flag = match &e {
        CalcError::Missing { input, .. } => flag_of(input),
        CalcError::OutOfRange { input, .. } | CalcError::NotFinite { input } => flag_of(input),
    };
    input(format!("{flag}: {e}"))
}

fn flag_of(input: &str) -> &'static str {
    match input.split_whitespace().next().unwrap_or_default() {
        "creatinine" => "--creatinine",
        "cystatin" => "--cystatin",
        "race" => "--race",
        "total" => "--total-cholesterol",
        "HDL" => "--hdl",
        "systolic" => "--sbp",
        "BMI" => "--bmi",
        "eGFR" => "--egfr",
        "height" => "--height-cm",
        "weight" => "--weight-kg",
        "no" => "--race/--hispanic",
        _ => "--age",
    }
}

fn sex(s: SexArg) -> Sex {
    match s {
        SexArg::Male => Sex::Male,
        SexArg::Female => Sex::Female,
    }
}

fn race(r: RaceArg) -> Race {
    match r {
        RaceArg::Black => Race::Black,
        RaceArg::Other => Race::Other,
    }
}

fn decisions(value: f64) -> Vec<&'static str> {
    Decision::ALL
        .into_iter()
        .filter(|d| d.applies(value))
        .map(Decision::key)
        .collect()
}

fn egfr_result(a: &EgfrArgs) -> Result<Output> {
    let equation = match &a.equation {
        Some(key) => Equation::from_key(key).ok_or_else(|| {
            let keys: Vec<_> = Equation::ALL.iter().map(|e| e.key()).collect();
            input(format!(
                "--equation: no equation {key:?}; choose one of {}",
                keys.join(", ")
            ))
        })?,
        None => match (a.creatinine.is_some(), a.cystatin.is_some()) {
            (true, true) => Equation::CkdEpi2021CrCys,
            (false, true) => Equation::CkdEpi2012Cys,
            _ => Equation::CkdEpi2021Cr,
        },
    };
    let unit = CreatinineUnit::parse(&a.unit).ok_or_else(|| {
        input(format!(
            "--unit: {:?} is not a creatinine unit; give mg/dL or umol/L",
            a.unit
        ))
    })?;
    let creatinine = a
        .creatinine
        .map(|v| egfr::creatinine_mg_dl(v, unit))
        .transpose()
        .map_err(refused)?;
    let kidney = Kidney {
        creatinine,
        cystatin: a.cystatin,
        age: a.age,
        sex: sex(a.sex),
        race: a.race.map(race),
    };
    let value = egfr::egfr(equation, &kidney).map_err(refused)?;
    let one = |e: Equation, v: f64| json!({"equation": e.key(), "egfr": v, "stage": Stage::of(v).label(), "decisions": decisions(v), "citation": e.citation()});
    let mut out = one(equation, value);
    let mut lines = vec![line(equation, value)];
    // The other version: the race-based twin of a race-free equation (when race is known),
    // or the race-free successor of a race-based one.
    let other = if equation.uses_race() {
        Some(("race_free", equation.race_free()))
    } else {
        equation.race_based_twin().map(|t| ("race_based", t))
    };
    if let Some((key, twin)) = other {
        match egfr::egfr(twin, &kidney) {
            Ok(v) => {
                out[key] = one(twin, v);
                lines.push(line(twin, v));
                lines.extend(crossings(equation, value, twin, v));
            }
            Err(CalcError::Missing { .. }) if key == "race_based" => {
                lines.push(format!(
                    "(give --race to compare with {}, which uses race)",
                    twin.name()
                ));
            }
            Err(e) => return Err(refused(e)),
        }
    }
    Ok(Output { json: out, lines })
}

fn line(e: Equation, v: f64) -> String {
    let kind = if e.uses_race() {
        "uses race"
    } else {
        "race-free"
    };
    let stage = Stage::of(v);
    format!(
        "{:<44} {:>6.1} mL/min/1.73 m²  {:<4} {}",
        format!("{} ({kind})", e.name()),
        v,
        stage.label(),
        stage.meaning()
    )
}

/// What changes between the two results, in words.
fn crossings(a: Equation, va: f64, b: Equation, vb: f64) -> Vec<String> {
    let (free, based) = if a.uses_race() {
        ((b, vb), (a, va))
    } else {
        ((a, va), (b, vb))
    };
    let mut lines = Vec::new();
    let (sf, sb) = (Stage::of(free.1), Stage::of(based.1));
    if sf != sb {
        lines.push(format!(
            "Stage changes with the race-free equation: {sb} → {sf}."
        ));
    }
    for d in Decision::ALL {
        match (d.applies(based.1), d.applies(free.1)) {
            (false, true) => lines.push(format!("Crosses into: {} ({}).", d.label(), d.source())),
            (true, false) => lines.push(format!("Crosses out of: {} ({}).", d.label(), d.source())),
            _ => {}
        }
    }
    lines
}

fn pce_result(a: &PceArgs) -> Result<Output> {
    let p = PceInputs {
        age: a.age,
        sex: sex(a.sex),
        race: race(a.race),
        total_cholesterol: a.total_cholesterol,
        hdl: a.hdl,
        sbp: a.sbp,
        bp_treated: a.bp_treated,
        smoker: a.smoker,
        diabetes: a.diabetes,
    };
    let risk = pce::risk_10y_pct(&p).map_err(refused)?;
    let other_race = if p.race.is_black() {
        Race::Other
    } else {
        Race::Black
    };
    let swapped = pce::risk_10y_pct(&PceInputs {
        race: other_race,
        ..p
    })
    .map_err(refused)?;
    let equation_name = |r: Race| {
        if r.is_black() {
            "African-American"
        } else {
            "white"
        }
    };
    let mut out = json!({
        "equation": "pce-2013",
        "race": equation_name(p.race),
        "risk_10y_pct": risk,
        "category": RiskCategory::of(risk).key(),
        "citation": pce::CITATION,
        "other_race_equation": {"race": equation_name(other_race), "risk_10y_pct": swapped, "category": RiskCategory::of(swapped).key()},
    });
    let mut lines = vec![
        format!(
            "{:<44} {:>6.1} %  {}",
            format!("PCE 2013, {} equation", equation_name(p.race)),
            risk,
            RiskCategory::of(risk).label()
        ),
        format!(
            "{:<44} {:>6.1} %  {}",
            format!("PCE 2013, {} equation", equation_name(other_race)),
            swapped,
            RiskCategory::of(swapped).label()
        ),
    ];
    match (a.egfr, a.bmi) {
        (Some(egfr), Some(bmi)) => {
            let q = PreventInputs {
                age: a.age,
                sex: p.sex,
                total_cholesterol: a.total_cholesterol,
                hdl: a.hdl,
                sbp: a.sbp,
                bmi,
                egfr,
                bp_treated: a.bp_treated,
                statin: false,
                smoker: a.smoker,
                diabetes: a.diabetes,
            };
            let r = prevent::risk(&q, Horizon::TenYears).map_err(refused)?;
            out["race_free"] = json!({"equation": "prevent-2023", "horizon_years": 10, "ascvd_pct": r.ascvd_pct, "total_cvd_pct": r.total_cvd_pct, "category": RiskCategory::of(r.ascvd_pct).key()});
            lines.push(format!(
                "{:<44} {:>6.1} %  {}",
                "PREVENT 2023 ASCVD (race-free)",
                r.ascvd_pct,
                RiskCategory::of(r.ascvd_pct).label()
            ));
        }
        (None, None) => {
            lines.push("(give --egfr and --bmi to compare with PREVENT, which is race-free)".into())
        }
        _ => return Err(input("--egfr and --bmi go together: PREVENT needs both")),
    }
    if (risk >= pce::STATIN_THRESHOLD_PCT) != (swapped >= pce::STATIN_THRESHOLD_PCT) {
        lines.push("Race alone moves this patient across the 7.5 % statin line.".into());
    }
    Ok(Output { json: out, lines })
}

fn prevent_result(a: &PreventArgs) -> Result<Output> {
    let horizon = if a.horizon == 30 {
        Horizon::ThirtyYears
    } else {
        Horizon::TenYears
    };
    let q = PreventInputs {
        age: a.age,
        sex: sex(a.sex),
        total_cholesterol: a.total_cholesterol,
        hdl: a.hdl,
        sbp: a.sbp,
        bmi: a.bmi,
        egfr: a.egfr,
        bp_treated: a.bp_treated,
        statin: a.statin,
        smoker: a.smoker,
        diabetes: a.diabetes,
    };
    let r = prevent::risk(&q, horizon).map_err(refused)?;
    let out = json!({
        "equation": "prevent-2023",
        "horizon_years": a.horizon,
        "total_cvd_pct": r.total_cvd_pct,
        "ascvd_pct": r.ascvd_pct,
        "hf_pct": r.hf_pct,
        "citation": prevent::CITATION,
    });
    let lines = vec![
        format!("PREVENT 2023 (race-free), {}-year risk", a.horizon),
        format!("  total cardiovascular disease {:>6.1} %", r.total_cvd_pct),
        format!("  ASCVD                        {:>6.1} %", r.ascvd_pct),
        format!("  heart failure                {:>6.1} %", r.hf_pct),
    ];
    Ok(Output { json: out, lines })
}

fn vbac_result(a: &VbacArgs) -> Result<Output> {
    let history = match a.history {
        HistoryArg::None => History::None,
        HistoryArg::BeforeCesarean => History::BeforeCesarean,
        HistoryArg::Vbac => History::Vbac,
    };
    let base = VbacInputs {
        age: a.age,
        height_cm: a.height_cm,
        weight_kg: a.weight_kg,
        history,
        arrest_indication: a.arrest,
        treated_hypertension: a.treated_hypertension,
        african_american: false,
        hispanic: false,
    };
    let with_race = VbacInputs {
        african_american: a.race == Some(RaceArg::Black),
        hispanic: a.hispanic,
        ..base
    };
    let v2021 = vbac::probability_pct(&base, Version::V2021).map_err(refused)?;
    let v2007 = vbac::probability_pct(&with_race, Version::V2007).map_err(refused)?;
    let one = |v: Version, p: f64| json!({"equation": v.key(), "probability_pct": p, "favourable": p >= vbac::FAVOURABLE_PCT, "citation": v.citation()});
    let race_known = a.race.is_some() || a.hispanic;
    let (mut out, first, second) = if a.version == "2007" {
        (
            one(Version::V2007, v2007),
            (Version::V2007, v2007),
            Some((Version::V2021, v2021)),
        )
    } else {
        (
            one(Version::V2021, v2021),
            (Version::V2021, v2021),
            race_known.then_some((Version::V2007, v2007)),
        )
    };
    let label = |v: Version| match v {
        Version::V2007 => "MFMU 2007 (race and ethnicity terms)",
        Version::V2021 => "MFMU 2021 (race-free)",
    };
    let mut lines = vec![format!("{:<44} {:>6.1} %", label(first.0), first.1)];
    if let Some((v, p)) = second {
        out[if v == Version::V2021 {
            "race_free"
        } else {
            "race_based"
        }] = one(v, p);
        lines.push(format!("{:<44} {:>6.1} %", label(v), p));
        if (first.1 >= vbac::FAVOURABLE_PCT) != (p >= vbac::FAVOURABLE_PCT) {
            lines.push(
                "The two versions fall on opposite sides of the 60 % line (ACOG PB 205).".into(),
            );
        }
    } else {
        lines.push(
            "(give --race and --hispanic to compare with the 2007 model, which used them)".into(),
        );
    }
    Ok(Output { json: out, lines })
}

/// `rise calc --list`.
fn list(json: bool) -> Result<()> {
    let mut rows: Vec<Value> = Equation::ALL
        .iter()
        .map(|e| {
            let mut inputs = Vec::new();
            if e.needs_creatinine() {
                inputs.push("--creatinine --unit");
            }
            if e.needs_cystatin() {
                inputs.push("--cystatin");
            }
            inputs.push("--age --sex");
            if e.uses_race() {
                inputs.push("--race");
            }
            json!({
                "command": format!("rise calc egfr --equation {}", e.key()),
                "name": e.name(),
                "uses_race": e.uses_race(),
                "race_free_successor": (e.uses_race()).then(|| e.race_free().key()),
                "inputs": inputs.join(" "),
                "output": "egfr, stage",
                "citation": e.citation(),
            })
        })
        .collect();
    let common =
        "--age --sex --total-cholesterol --hdl --sbp [--bp-treated] [--smoker] [--diabetes]";
    rows.push(json!({"command": "rise calc pce", "name": "Pooled Cohort Equations 2013", "uses_race": true, "race_free_successor": "prevent", "inputs": format!("{common} --race"), "output": "risk_10y_pct", "citation": pce::CITATION}));
    rows.push(json!({"command": "rise calc prevent", "name": "AHA PREVENT 2023 (base model)", "uses_race": false, "race_free_successor": null, "inputs": format!("--horizon 10|30 {common} --egfr --bmi [--statin]"), "output": "total_cvd_pct, ascvd_pct, hf_pct", "citation": prevent::CITATION}));
    let vbac_inputs =
        "--age --height-cm --weight-kg [--history none|before-cesarean|vbac] [--arrest]";
    rows.push(json!({"command": "rise calc vbac --version 2007", "name": "MFMU VBAC 2007", "uses_race": true, "race_free_successor": "vbac --version 2021", "inputs": format!("{vbac_inputs} [--race] [--hispanic]"), "output": "probability_pct", "citation": Version::V2007.citation()}));
    rows.push(json!({"command": "rise calc vbac --version 2021", "name": "MFMU VBAC 2021", "uses_race": false, "race_free_successor": null, "inputs": format!("{vbac_inputs} [--treated-hypertension]"), "output": "probability_pct", "citation": Version::V2021.citation()}));
    if json {
        let catalog: Vec<_> = catalog::CATALOG.iter().collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"equations": rows, "catalog": catalog}))?
        );
        return Ok(());
    }
    for r in &rows {
        let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
        let race = if r["uses_race"].as_bool().unwrap_or(false) {
            format!("uses race → {}", s("race_free_successor"))
        } else {
            "race-free".into()
        };
        println!(
            "{}\n    {} ({race})\n    inputs: {}\n    output: {}\n    {}\n",
            s("command"),
            s("name"),
            s("inputs"),
            s("output"),
            s("citation")
        );
    }
    println!(
        "Race-corrected algorithms in clinical use (\"Hidden in Plain Sight\", Vyas et al. NEJM 2020, and successors):"
    );
    for a in catalog::CATALOG {
        let computed = a
            .rise_calc
            .map(|c| format!("  [rise calc {c}]"))
            .unwrap_or_default();
        println!(
            "  {:<22} {} — {}{computed}\n  {:<22} successor: {}",
            a.specialty,
            a.name,
            a.race_use,
            "",
            a.successor.unwrap_or("none established")
        );
    }
    Ok(())
}
