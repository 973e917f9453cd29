//! Percentiles, the printed table and target/bench/results.json.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

/// p50 / p99 / max of a set of durations in milliseconds (nearest-rank percentiles).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Stats {
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Stats {
    pub fn of(mut ms: Vec<f64>) -> Stats {
        ms.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            if ms.is_empty() {
                return f64::NAN;
            }
            let i = ((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1;
            ms[i]
        };
        Stats {
            count: ms.len(),
            p50_ms: rank(0.50),
            p99_ms: rank(0.99),
            max_ms: ms.last().copied().unwrap_or(f64::NAN),
        }
    }

    pub fn text(&self) -> String {
        format!(
            "p50 {} · p99 {} · max {}",
            ms(self.p50_ms),
            ms(self.p99_ms),
            ms(self.max_ms)
        )
    }
}

/// Milliseconds, human-sized.
pub fn ms(v: f64) -> String {
    if v.is_nan() {
        "n/a".into()
    } else if v >= 10_000.0 {
        format!("{:.1} s", v / 1000.0)
    } else {
        format!("{v:.0} ms")
    }
}

#[derive(Default)]
pub struct Report {
    rows: Vec<[String; 3]>,
    json: Map<String, Value>,
}

impl Report {
    /// One table row: what, how many objects, the figure.
    pub fn row(&mut self, measure: &str, objects: impl ToString, value: impl Into<String>) {
        let row = [measure.to_owned(), objects.to_string(), value.into()];
        eprintln!("bench: {} | {} | {}", row[0], row[1], row[2]);
        self.rows.push(row);
    }

    /// One JSON member of results.json (any serialisable value).
    pub fn set(&mut self, key: &str, value: impl Serialize) {
        let v = serde_json::to_value(value).unwrap_or(Value::Null);
        self.json.insert(key.to_owned(), v);
    }

    /// The table as Markdown (so it can go into docs/benchmarks.md as printed).
    pub fn table(&self) -> String {
        let mut out = String::from("| Measure | Objects | Result |\n|---|---:|---|\n");
        for [m, o, v] in &self.rows {
            out.push_str(&format!("| {m} | {o} | {v} |\n"));
        }
        out
    }

    /// Write `results.json` (with the table in it) under `dir`; returns the path.
    pub fn write(&mut self, dir: &Path) -> PathBuf {
        let table = self.table();
        self.json
            .insert("table_markdown".into(), Value::String(table));
        std::fs::create_dir_all(dir).expect("create target/bench");
        let path = dir.join("results.json");
        let text = serde_json::to_string_pretty(&self.json).expect("results JSON");
        std::fs::write(&path, text).expect("write results.json");
        path
    }
}

/// `target/bench`, found from this executable (`target/<profile>/deps/<bench>-<hash>`).
pub fn out_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("bench");
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target")))
        .join("bench")
}
