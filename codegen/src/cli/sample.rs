//! `eventcat sample`: a corpus of realistic payloads, as NDJSON, deterministic for a seed.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use eventcat::sample::Sampler;
use serde_json::json;

/// Arguments of `eventcat sample`.
#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// The catalog folder.
    #[arg(long, default_value = "catalog")]
    pub catalog: PathBuf,
    /// How many payloads (lines) to write.
    #[arg(long)]
    pub count: u64,
    /// The seed: the same seed and catalog give the same corpus, byte for byte.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The share of payloads broken on purpose, from 0 to 1 (each in one known way: wrong
    /// type, missing required, unknown property, enum out of set, out of range, bad date-time,
    /// non-anonymized IP, unhashed id, restricted field in production, unknown event, unknown
    /// version, not JSON, not an object, duplicate key).
    #[arg(long, default_value_t = 0.0)]
    pub invalid_ratio: f64,
    /// Write the payloads here instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write one JSON line per payload saying how it was made: `{"line", "event",
    /// "version", "valid", "kind", "rule", "pointer"}` (the rule and pointer a validator must
    /// report for a broken one).
    #[arg(long)]
    pub labels: Option<PathBuf>,
}

pub fn run(args: &SampleArgs) -> super::Outcome {
    if !(0.0..=1.0).contains(&args.invalid_ratio) {
        return Err(format!(
            "--invalid-ratio must be between 0 and 1, not {}",
            args.invalid_ratio
        )
        .into());
    }
    super::paths::catalog(&args.catalog)?;
    let loaded = eventcat::load(&args.catalog)?;
    let catalog = eventcat::ir::lower(&loaded).map_err(|e| {
        format!(
            "{e} (run `eventcat lint --catalog {}`)",
            args.catalog.display()
        )
    })?;
    if catalog.events.is_empty() {
        return Err(format!("{} has no event to sample", args.catalog.display()).into());
    }
    let mut out = open(args.out.as_deref())?;
    let mut labels = match &args.labels {
        Some(path) => Some(open(Some(path))?),
        None => None,
    };
    let mut sampler = Sampler::new(&catalog, args.seed);
    for line in 1..=args.count {
        let Some(sample) = sampler.sample(args.invalid_ratio) else {
            break;
        };
        out.write_all(sample.line.as_bytes())?;
        out.write_all(b"\n")?;
        if let Some(labels) = labels.as_mut() {
            let label = match &sample.broken {
                None => json!({
                    "line": line,
                    "event": sample.event,
                    "version": sample.version,
                    "valid": true,
                }),
                Some(broken) => json!({
                    "line": line,
                    "event": sample.event,
                    "version": sample.version,
                    "valid": false,
                    "kind": broken.kind.name(),
                    "rule": broken.rule,
                    "pointer": broken.pointer,
                }),
            };
            serde_json::to_writer(&mut *labels, &label)?;
            labels.write_all(b"\n")?;
        }
    }
    out.flush()?;
    if let Some(mut labels) = labels {
        labels.flush()?;
    }
    Ok(true)
}

fn open(path: Option<&Path>) -> Result<Box<dyn Write>, Box<dyn std::error::Error>> {
    Ok(match path {
        Some(path) => Box::new(BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?,
        )),
        None => Box::new(BufWriter::with_capacity(1 << 20, std::io::stdout().lock())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog")
    }

    fn args(dir: &Path, seed: u64, ratio: f64) -> SampleArgs {
        SampleArgs {
            catalog: catalog(),
            count: 500,
            seed,
            invalid_ratio: ratio,
            out: Some(dir.join(format!("corpus-{seed}-{ratio}.ndjson"))),
            labels: Some(dir.join(format!("labels-{seed}-{ratio}.ndjson"))),
        }
    }

    fn read(path: &Option<PathBuf>) -> String {
        std::fs::read_to_string(path.as_ref().unwrap()).unwrap()
    }

    #[test]
    fn writes_count_lines_deterministically_with_labels() {
        let dir = tempfile::tempdir().unwrap();
        let a = args(dir.path(), 9, 0.25);
        assert!(run(&a).unwrap());
        let corpus = read(&a.out);
        let labels = read(&a.labels);
        assert_eq!(corpus.lines().count(), 500);
        assert_eq!(labels.lines().count(), 500);
        let invalid = labels
            .lines()
            .filter(|l| l.contains("\"valid\":false"))
            .count();
        assert!((60..190).contains(&invalid), "{invalid}");

        let mut again = args(dir.path(), 9, 0.25);
        again.out = Some(dir.path().join("again.ndjson"));
        again.labels = None;
        assert!(run(&again).unwrap());
        assert_eq!(read(&again.out), corpus, "same seed, same bytes");

        let other = args(dir.path(), 10, 0.25);
        assert!(run(&other).unwrap());
        assert_ne!(read(&other.out), corpus);
    }

    #[test]
    fn a_ratio_outside_0_to_1_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(run(&args(dir.path(), 1, 1.5)).is_err());
        assert!(run(&args(dir.path(), 1, -0.1)).is_err());
        let mut missing = args(dir.path(), 1, 0.0);
        missing.catalog = dir.path().join("no-such-catalog");
        assert!(run(&missing).is_err());
    }
}
