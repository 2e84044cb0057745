//! Compile-time behaviour of the macros, as users meet it: cases that must compile (and run), and
//! cases that must fail with exactly the message in their `.stderr` snapshot
//! (`TRYBUILD=overwrite cargo test -p eventcat-macros --test ui` accepts new messages).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
