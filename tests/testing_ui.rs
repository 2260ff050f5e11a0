//! Misuse of `#[capjure::test]` is a compile error at the token at
//! fault: one case per file in `tests/ui_testing/`, the compiler's output
//! in the `.stderr` beside it (regenerate with `TRYBUILD=overwrite cargo
//! test --features testing --test testing_ui` and review the diff).

#[test]
fn test_attribute_misuse_is_a_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui_testing/*.rs");
}
