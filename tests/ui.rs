//! Misuse of `#[derive(Entity)]` is a compile error that points at the
//! attribute or field at fault: one case per file in `tests/ui/`, with the
//! compiler's output in the `.stderr` beside it (regenerate with
//! `TRYBUILD=overwrite cargo test --test ui` and review the diff).

#[test]
fn derive_misuse_is_a_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
