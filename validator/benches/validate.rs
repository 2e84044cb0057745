//! Criterion benchmark of the validator against its floor, on one corpus from `eventcat sample`
//! (the bundled catalog, 10% invalid; 20,000 payloads by default, `EVENTCAT_BENCH_COUNT` to
//! change it):
//!
//! - `floor/serde_json_value`: parse every line into a `serde_json::Value`, nothing else;
//! - `floor/serde_ignored_any`: only check the syntax (no tree), for scale;
//! - `engine/validate_line`: `Registry::validate` per line (the one-pass program decides; the
//!   invalid are parsed again for every error);
//! - `engine/validate_tree`: the tree path per line (parse into a `Value`, jsonschema, privacy,
//!   errors for the invalid), as before the one-pass engine;
//! - `engine/validate_value`: the tree path on pre-parsed values (schema and privacy only);
//! - `split/{one_pass,tree}_{valid,invalid}_only`: the valid and the invalid lines of the
//!   corpus apart, on each path, for the cost of each kind of payload;
//! - `stream/threads=N`: the whole pipeline (`eventcat::validate::run`, human report to a sink),
//!   on one thread and on every core.
//!
//! `scripts/bench.sh` measures the binaries end to end on 1,000,000 payloads, with Ajv.

use std::hint::black_box;
use std::io::Cursor;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use eventcat_engine::{self as validate, Input, Options, Outputs};

fn corpus() -> Vec<String> {
    let count = std::env::var("EVENTCAT_BENCH_COUNT")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(20_000);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog");
    let catalog = eventcat::ir::lower(&eventcat::load(&dir).expect("the bundled catalog"))
        .expect("a valid catalog");
    let mut sampler = eventcat::sample::Sampler::new(&catalog, 42);
    (0..count)
        .map(|_| sampler.sample(0.1).expect("a sample").line)
        .collect()
}

fn bench(c: &mut Criterion) {
    let lines = corpus();
    let bytes: u64 = lines.iter().map(|l| l.len() as u64 + 1).sum();
    let text: Vec<u8> = lines
        .iter()
        .flat_map(|l| l.bytes().chain([b'\n']))
        .collect();
    let registry = Arc::new(eventcat_validate::embedded_registry().expect("embedded schemas"));

    let mut floor = c.benchmark_group("floor");
    floor.throughput(Throughput::Bytes(bytes));
    floor.sample_size(10);
    floor.bench_function("serde_json_value", |b| {
        b.iter(|| {
            for line in &lines {
                let _ = black_box(serde_json::from_str::<serde_json::Value>(line));
            }
        });
    });
    floor.bench_function("serde_ignored_any", |b| {
        b.iter(|| {
            for line in &lines {
                let _ = black_box(serde_json::from_str::<serde::de::IgnoredAny>(line));
            }
        });
    });
    floor.finish();

    let mut engine = c.benchmark_group("engine");
    engine.throughput(Throughput::Bytes(bytes));
    engine.sample_size(10);
    engine.bench_function("validate_line", |b| {
        b.iter(|| {
            for line in &lines {
                black_box(registry.validate(line.as_bytes()));
            }
        });
    });
    engine.bench_function("validate_tree", |b| {
        b.iter(|| {
            for line in &lines {
                black_box(registry.validate_tree(line));
            }
        });
    });
    let values: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    engine.bench_function("validate_value", |b| {
        b.iter(|| {
            for value in &values {
                black_box(registry.validate_value(value));
            }
        });
    });
    engine.finish();

    let (valid, invalid): (Vec<&String>, Vec<&String>) = lines
        .iter()
        .partition(|line| registry.validate(line.as_bytes()).is_valid());
    for (name, part) in [("valid_only", &valid), ("invalid_only", &invalid)] {
        let mut split = c.benchmark_group("split");
        split.throughput(Throughput::Elements(part.len() as u64));
        split.sample_size(10);
        split.bench_function(format!("one_pass_{name}"), |b| {
            b.iter(|| {
                for line in part.iter() {
                    black_box(registry.validate(line.as_bytes()));
                }
            });
        });
        split.bench_function(format!("tree_{name}"), |b| {
            b.iter(|| {
                for line in part.iter() {
                    black_box(registry.validate_tree(line));
                }
            });
        });
        split.finish();
    }

    let mut stream = c.benchmark_group("stream");
    stream.throughput(Throughput::Bytes(bytes));
    stream.sample_size(10);
    let cores = validate::thread_count(0);
    let mut counts = vec![1];
    if cores > 1 {
        counts.push(cores);
    }
    for threads in counts {
        stream.bench_function(format!("threads={threads}"), |b| {
            b.iter(|| {
                let options = Options {
                    threads,
                    ..Options::default()
                };
                let mut sink = std::io::sink();
                let summary = validate::run(
                    Arc::clone(&registry),
                    vec![Input::reader("corpus", Cursor::new(text.clone()))],
                    &options,
                    Outputs {
                        report: &mut sink,
                        sink: None,
                    },
                )
                .expect("a run");
                assert_eq!(summary.payloads, lines.len() as u64);
            });
        });
    }
    stream.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
