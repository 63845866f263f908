//! Where generated rows go: one [`Sink`] per output format.

// A generated row has many fields; wrapping them in a struct per call would only rename them.
#![allow(clippy::too_many_arguments)]

use crate::error::{EngineError, Result, io};
use chrono::NaiveDate;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// One generated patient.
pub struct Person {
    pub id: String,
    pub birth: NaiveDate,
    pub death: Option<NaiveDate>,
    pub female: bool,
    pub race: &'static str,
    pub race_source: &'static str,
    pub hispanic: bool,
    pub language: &'static str,
    pub payer: &'static str,
    pub zip: u32,
    pub income: f64,
}

/// Where generated rows go.
pub trait Sink {
    fn patient(&mut self, p: &Person) -> Result<()>;
    fn encounter(
        &mut self,
        id: &str,
        pid: &str,
        start: i64,
        stop: i64,
        class: &str,
        code: &str,
        desc: &str,
    ) -> Result<()>;
    fn condition(&mut self, pid: &str, start: NaiveDate, code: &str, desc: &str) -> Result<()>;
    fn observation(
        &mut self,
        pid: &str,
        enc: &str,
        time: i64,
        code: &str,
        desc: &str,
        value: f64,
        unit: &str,
    ) -> Result<()>;
    fn procedure(&mut self, pid: &str, enc: &str, time: i64, code: &str, desc: &str) -> Result<()>;
    fn medication(
        &mut self,
        pid: &str,
        enc: &str,
        start: i64,
        stop: Option<i64>,
        code: &str,
        desc: &str,
    ) -> Result<()>;
    fn immunization(
        &mut self,
        pid: &str,
        enc: &str,
        time: i64,
        code: &str,
        desc: &str,
    ) -> Result<()>;
    fn finish(self: Box<Self>) -> Result<()>;
}

/// The temporary name of an output file until it is complete.
fn partial(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.partial"))
}

/// Gives a completed output file its final name.
fn commit(dir: &Path, name: &str) -> Result<()> {
    let path = dir.join(name);
    std::fs::rename(partial(dir, name), &path).map_err(|e| io(&path, e))
}

/// Output files written under temporary names (`.name.partial`) and renamed only when all of
/// them are complete, so an interrupted run leaves no file that looks finished.
pub struct Partial {
    dir: PathBuf,
    files: Vec<(String, BufWriter<File>)>,
}

impl Partial {
    /// Creates `names` in `dir`.
    pub fn create(dir: &Path, names: impl IntoIterator<Item = String>) -> Result<Self> {
        let mut files = Vec::new();
        for name in names {
            let tmp = partial(dir, &name);
            let f = File::create(&tmp).map_err(|e| io(&tmp, e))?;
            files.push((name, BufWriter::with_capacity(1 << 16, f)));
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            files,
        })
    }

    /// The writer of file `i`.
    pub fn file(&mut self, i: usize) -> &mut BufWriter<File> {
        &mut self.files[i].1
    }

    /// Flushes every file and gives each its final name.
    pub fn finish(self) -> Result<()> {
        for (name, mut w) in self.files {
            w.flush().map_err(|e| io(&self.dir, e))?;
            commit(&self.dir, &name)?;
        }
        Ok(())
    }
}

/// CSV files with headers, written under temporary names like [`Partial`].
pub struct CsvFiles {
    dir: PathBuf,
    files: Vec<(String, csv::Writer<BufWriter<File>>)>,
}

impl CsvFiles {
    /// Creates `NAME.csv` for each `(NAME, header)`.
    pub fn create(dir: &Path, tables: &[(&str, &[&str])]) -> Result<Self> {
        let mut files = Vec::new();
        for (name, header) in tables {
            let name = format!("{name}.csv");
            let tmp = partial(dir, &name);
            let f = File::create(&tmp).map_err(|e| io(&tmp, e))?;
            let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, f));
            w.write_record(*header).map_err(|e| csv_error(&tmp, e))?;
            files.push((name, w));
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            files,
        })
    }

    /// Writes one record to file `i`.
    pub fn write(&mut self, i: usize, record: &[&str]) -> Result<()> {
        let (name, w) = &mut self.files[i];
        w.write_record(record)
            .map_err(|e| csv_error(&self.dir.join(name.as_str()), e))
    }

    /// Completes every file.
    pub fn finish(self) -> Result<()> {
        for (name, mut w) in self.files {
            w.flush().map_err(|e| io(&self.dir, e))?;
            commit(&self.dir, &name)?;
        }
        Ok(())
    }
}

fn csv_error(path: &Path, e: csv::Error) -> EngineError {
    EngineError::Io {
        path: path.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    }
}
