//! Replays every kept fuzz input on the stable toolchain: the corpus each target grew from
//! (`fuzz/corpus/<target>/`, seeds and what libFuzzer found worth keeping) and the inputs that
//! once broke a property (`fuzz/regressions/<target>/`). A target with no input is an error:
//! a replay that checks nothing cannot fail.

use std::path::Path;

#[test]
fn every_kept_fuzz_input_holds() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    for (target, check) in eventcat_fuzz_checks::TARGETS {
        let mut count = 0;
        for folder in ["corpus", "regressions"] {
            let dir = fuzz.join(folder).join(target);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
            files.sort();
            for file in files {
                let data = std::fs::read(&file).unwrap();
                let outcome = std::panic::catch_unwind(|| check(&data));
                assert!(
                    outcome.is_ok(),
                    "{target}: {} breaks its property",
                    file.display()
                );
                count += 1;
            }
        }
        assert!(
            count > 0,
            "{target}: no input in fuzz/corpus or fuzz/regressions"
        );
    }
}
