//! Must-show 4: on PostgreSQL, the role the server queries as, with tenant A set for the
//! transaction, reads zero rows of tenant B from every table that has a `tenant_id` — and
//! cannot write rows for B either. Without a tenant set it reads nothing at all.

mod common;

use common::{TestServer, seed};
use sqlx::{Connection, PgConnection, Row};

async fn as_server_role(url: &str) -> PgConnection {
    let mut conn = PgConnection::connect(url).await.expect("connect");
    sqlx::query(&format!("set role {}", desk_store::postgres_app_role())).execute(&mut conn).await.expect("set role");
    let (superuser, bypass): (bool, bool) =
        sqlx::query_as("select rolsuper, rolbypassrls from pg_roles where rolname = current_user")
            .fetch_one(&mut conn)
            .await
            .expect("role");
    assert!(!superuser && !bypass, "the server's role must be subject to row-level security");
    conn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_role_sees_no_row_of_another_tenant() {
    let s = TestServer::start(common::Backend::Postgres).await;
    seed(&s, "tenant-a").await;
    seed(&s, "tenant-b").await;
    let url = s.storage.database_url().expect("postgres").to_owned();
    let mut owner = PgConnection::connect(&url).await.expect("connect");
    let tables: Vec<String> = sqlx::query_scalar(
        "select c.table_name::text from information_schema.columns c join information_schema.tables t using (table_schema, table_name) \
         where c.column_name = 'tenant_id' and c.table_schema = 'public' and t.table_type = 'BASE TABLE' order by 1",
    )
    .fetch_all(&mut owner)
    .await
    .expect("tables");
    assert!(tables.len() >= 11, "tenant tables: {tables:?}");
    let tenant = |slug: &'static str| {
        let url = url.clone();
        async move {
            let mut c = PgConnection::connect(&url).await.expect("connect");
            sqlx::query_scalar::<_, uuid::Uuid>("select id from tenants where slug = $1")
                .bind(slug)
                .fetch_one(&mut c)
                .await
                .expect("tenant")
        }
    };
    let (a, b) = (tenant("tenant-a").await, tenant("tenant-b").await);

    // The embedding worker empties ai_queue as it goes; park an item of each tenant there (five
    // failed attempts, so the worker leaves it).
    for t in [a, b] {
        sqlx::query("insert into ai_queue (tenant_id, kind, source_id, queued_at, attempts) values ($1, 'ticket', $2, 0, 5)")
            .bind(t)
            .bind(uuid::Uuid::now_v7())
            .execute(&mut owner)
            .await
            .expect("park a queue item");
    }
    let mut app = as_server_role(&url).await;
    for table in &tables {
        // The seed put rows of B in every table, so a zero below is the policy at work.
        let b_rows: i64 = sqlx::query_scalar(&format!("select count(*) from {table} where tenant_id = $1"))
            .bind(b)
            .fetch_one(&mut owner)
            .await
            .expect("count");
        assert!(b_rows > 0, "seed left {table} without rows of tenant B");

        let mut tx = app.begin().await.expect("begin");
        sqlx::query("select set_config('app.tenant_id', $1, true)")
            .bind(a.to_string())
            .execute(&mut *tx)
            .await
            .expect("set tenant");
        let seen_b: i64 = sqlx::query_scalar(&format!("select count(*) from {table} where tenant_id = $1"))
            .bind(b)
            .fetch_one(&mut *tx)
            .await
            .expect("count");
        assert_eq!(seen_b, 0, "{table}: tenant A's context reads tenant B's rows");
        let all: Vec<uuid::Uuid> = sqlx::query(&format!("select distinct tenant_id from {table}"))
            .fetch_all(&mut *tx)
            .await
            .expect("select")
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(all.iter().all(|t| *t == a), "{table}: unfiltered select returns other tenants: {all:?}");
        let changed = sqlx::query(&format!("update {table} set tenant_id = tenant_id where tenant_id = $1"))
            .bind(b)
            .execute(&mut *tx)
            .await
            .expect("update");
        assert_eq!(changed.rows_affected(), 0, "{table}: tenant A's context can update B's rows");
        tx.rollback().await.expect("rollback");

        let mut tx = app.begin().await.expect("begin");
        let none: i64 = sqlx::query_scalar(&format!("select count(*) from {table}")).fetch_one(&mut *tx).await.expect("count");
        assert_eq!(none, 0, "{table}: rows visible with no tenant set");
        tx.rollback().await.expect("rollback");
    }

    // Writing a row for B while A is set is refused by the policy's check.
    let mut tx = app.begin().await.expect("begin");
    sqlx::query("select set_config('app.tenant_id', $1, true)").bind(a.to_string()).execute(&mut *tx).await.expect("set tenant");
    let err =
        sqlx::query("insert into counters (tenant_id, name, value) values ($1, 'probe', 1)").bind(b).execute(&mut *tx).await;
    assert!(err.is_err(), "insert for another tenant must be refused");
}
