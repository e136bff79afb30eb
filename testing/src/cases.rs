//! Each case of a service's tests written once and run on both SQLite and PostgreSQL.

/// Declares each case once per backend, as `sqlite::<case>` and `postgres::<case>`, each a
/// multi-threaded `#[tokio::test]` (two workers unless `worker_threads = N;` comes first).
///
/// Convention: it is invoked in the test crate's root (e.g. `tests/main.rs`), next to a module
/// `harness` with `pub async fn run(backend: vici_testkit::Backend, case: F)`; each case is a
/// function there or in a module there (`<module>::<case>`). A test calls
/// `super::harness::run(Backend::Sqlite, super::<module>::<case>)` (likewise `Postgres`). The
/// test crate needs `tokio` (with the `macros` and `rt-multi-thread` features).
///
/// ```text
/// vici_testkit::on_both_backends!(
///     login::a_wrong_password_is_refused,
///     logout::logout_ends_the_session,
/// );
/// vici_testkit::on_both_backends!(worker_threads = 4; items::a_new_user_gets_an_empty_cart);
/// ```
#[macro_export]
macro_rules! on_both_backends {
    (@backend $name:ident, $backend:ident, $workers:tt; $($case:ident => $target:path),*) => {
        mod $name {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = $workers)]
                async fn $case() {
                    super::harness::run($crate::Backend::$backend, $target).await;
                }
            )*
        }
    };
    (worker_threads = $workers:tt; $($module:ident :: $case:ident),* $(,)?) => {
        $crate::on_both_backends!(@backend sqlite, Sqlite, $workers; $($case => super::$module::$case),*);
        $crate::on_both_backends!(@backend postgres, Postgres, $workers; $($case => super::$module::$case),*);
    };
    (worker_threads = $workers:tt; $($case:ident),* $(,)?) => {
        $crate::on_both_backends!(@backend sqlite, Sqlite, $workers; $($case => super::$case),*);
        $crate::on_both_backends!(@backend postgres, Postgres, $workers; $($case => super::$case),*);
    };
    ($($module:ident :: $case:ident),* $(,)?) => {
        $crate::on_both_backends!(worker_threads = 2; $($module :: $case),*);
    };
    ($($case:ident),* $(,)?) => {
        $crate::on_both_backends!(worker_threads = 2; $($case),*);
    };
}
