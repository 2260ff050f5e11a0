//! Table admin.

use capjure::store::{FamilySpec, RowMutations, Scan};
use capjure::{Cell, ErrorKind};

use crate::Env;

conformance!(
    create_list_describe_truncate_drop,
    add_family_works_or_says_unsupported
);

fn create_list_describe_truncate_drop(env: &Env) {
    let t = env.table(
        "admin",
        &[FamilySpec::new("b").max_versions(4), FamilySpec::new("a")],
    );
    let s = env.store.as_ref();
    assert!(ok!(env, s.table_exists(&t)), "{}", env.backend);
    assert!(ok!(env, s.list_tables()).contains(&t), "{}", env.backend);
    assert_eq!(
        ok!(env, s.families(&t)),
        vec![FamilySpec::new("a"), FamilySpec::new("b").max_versions(4)],
        "{}",
        env.backend
    );
    ok!(
        env,
        s.mutate(&t, &[RowMutations::new("r").put(Cell::new("a", "q", "v"))])
    );
    ok!(env, s.truncate_table(&t));
    assert!(ok!(env, s.table_exists(&t)), "{}", env.backend);
    assert_eq!(
        ok!(env, s.scan(&t, &Scan::all())).count(),
        0,
        "{}",
        env.backend
    );
    assert_eq!(ok!(env, s.families(&t)).len(), 2, "{}", env.backend);
    ok!(env, s.drop_table(&t));
    assert!(!ok!(env, s.table_exists(&t)), "{}", env.backend);
}

fn add_family_works_or_says_unsupported(env: &Env) {
    let t = env.simple("add_family", &["f"], 1);
    match env.store.add_family(&t, &FamilySpec::new("g")) {
        Ok(()) => {
            assert!(!env.is_hbase(), "thrift1 cannot add families");
            ok!(
                env,
                env.store
                    .mutate(&t, &[RowMutations::new("r").put(Cell::new("g", "q", "v"))])
            );
        }
        Err(err) => {
            assert!(env.is_hbase(), "{}: {err}", env.backend);
            assert!(
                matches!(err.kind(), ErrorKind::Unsupported { .. }),
                "{err:?}"
            );
            assert!(err.to_string().contains("hbase shell"), "{err}");
        }
    }
}
