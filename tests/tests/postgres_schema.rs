//! The generated DDL and migrations on a real PostgreSQL: the bundled catalog's schema applies;
//! a catalog with a published history (a minor bump that adds a column and widens a range, a
//! major bump that adds a table) gives migrations which, applied in order to an empty database,
//! give exactly the schema of `schema.sql` (compared through `information_schema` and the
//! catalogs); the roles' grants hold; hostile names and text stay names and text.

use std::path::{Path, PathBuf};

use eventcat::generate::{Mode, generate};
use eventcat_e2e::postgres::Postgres;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir(from) {
        let relative = entry.strip_prefix(from).unwrap();
        let target = to.join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &target).unwrap();
    }
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walkdir(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn apply(client: &mut postgres::Client, file: &Path) {
    let sql = std::fs::read_to_string(file).unwrap();
    client
        .batch_execute(&sql)
        .unwrap_or_else(|e| panic!("{} does not apply: {e:?}", file.display()));
}

/// The migrations in the order to apply them: by event, then by version.
fn migrations_in_order(out: &Path) -> Vec<PathBuf> {
    let mut files: Vec<(String, semver::Version, PathBuf)> = walkdir(&out.join("sql/migrations"))
        .into_iter()
        .map(|path| {
            let event = path
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let version = path.file_stem().unwrap().to_string_lossy();
            (event, semver::Version::parse(&version).unwrap(), path)
        })
        .collect();
    files.sort();
    files.into_iter().map(|(_, _, path)| path).collect()
}

/// What the schema is, as rows of text, each query's rows sorted.
fn describe(client: &mut postgres::Client) -> Vec<String> {
    let queries = [
        // Columns (not their order: ADD COLUMN appends, CREATE TABLE follows the catalog).
        "SELECT table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' ' \
         || udt_name || ' ' || is_nullable FROM information_schema.columns \
         WHERE table_schema IN ('events', 'eventcat')",
        "SELECT tc.table_name || ' ' || tc.constraint_name || ' ' || tc.constraint_type || ' ' \
         || coalesce(cc.check_clause, '') FROM information_schema.table_constraints tc \
         LEFT JOIN information_schema.check_constraints cc \
         ON cc.constraint_schema = tc.constraint_schema AND cc.constraint_name = tc.constraint_name \
         WHERE tc.table_schema IN ('events', 'eventcat') AND tc.constraint_type <> 'CHECK' \
         OR (tc.table_schema IN ('events', 'eventcat') AND cc.check_clause NOT LIKE '% IS NOT NULL')",
        "SELECT grantee || ' ' || table_schema || '.' || table_name || ' ' || privilege_type \
         FROM information_schema.role_table_grants WHERE table_schema IN ('events', 'eventcat')",
        "SELECT c.relname || coalesce('.' || a.attname, '') || ': ' || d.description \
         FROM pg_description d JOIN pg_class c ON c.oid = d.objoid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0 \
         WHERE n.nspname IN ('events', 'eventcat') AND d.classoid = 'pg_class'::regclass",
        "SELECT p.proname || ' ' || pg_get_functiondef(p.oid) FROM pg_proc p \
         JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'eventcat'",
        "SELECT table_name || ' ' || event_name || ' ' || major || ' ' || version || ' ' \
         || partition_width || ' ' || coalesce(retention_period::text, '-') || ' ' \
         || coalesce(archive_after::text, '-') || ' ' || loader FROM eventcat.event_tables",
        "SELECT event_name || ' ' || version FROM eventcat.migrations",
        "SELECT c.relname || ' ' || pg_get_partkeydef(c.oid) FROM pg_partitioned_table p \
         JOIN pg_class c ON c.oid = p.partrelid",
    ];
    let mut out = Vec::new();
    for query in queries {
        let mut rows: Vec<String> = client
            .query(query, &[])
            .unwrap_or_else(|e| panic!("{query}: {e}"))
            .iter()
            .map(|row| row.get::<_, String>(0))
            .collect();
        rows.sort();
        out.push(format!("-- {query}"));
        out.extend(rows);
    }
    out
}

#[test]
fn the_bundled_schema_and_its_migrations_apply() {
    let pg = Postgres::start();
    let out = workspace().join("generated");
    pg.create_database("schema");
    let mut schema = pg.client("schema");
    apply(&mut schema, &out.join("sql/schema.sql"));
    let tables: i64 = schema
        .query_one("SELECT count(*) FROM eventcat.event_tables", &[])
        .unwrap()
        .get(0);
    assert_eq!(tables, 30, "one table per event of the bundled catalog");

    pg.create_database("migrated");
    let mut migrated = pg.client("migrated");
    apply(&mut migrated, &out.join("sql/base.sql"));
    for file in migrations_in_order(&out) {
        apply(&mut migrated, &file);
    }
    assert_eq!(describe(&mut migrated), describe(&mut schema));
    // base.sql can be run again; a migration cannot be applied twice.
    apply(&mut schema, &out.join("sql/base.sql"));
    let first = &migrations_in_order(&out)[0];
    let sql = std::fs::read_to_string(first).unwrap();
    let error = schema.batch_execute(&sql).unwrap_err();
    assert!(
        format!("{error:?}").contains("migrations_pkey"),
        "{error:?}"
    );
}

#[test]
fn migrations_through_minor_and_major_bumps_equal_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    let out = dir.path().join("generated");
    copy_dir(&workspace().join("codegen/tests/fixtures/mini"), &catalog);
    generate(&catalog, &out, Mode::Write).expect("version 1 generates");

    // A minor bump: an optional property, a range that outgrows smallint, a looser bound.
    let checkout = catalog.join("events/shop/checkout.completed.yaml");
    edit(&checkout, "version: 1.2.0", "version: 1.3.0");
    edit(&checkout, "maximum: 1000", "maximum: 100000");
    edit(
        &checkout,
        "usage:",
        "  coupon:\n    type: string\n    optional: true\n    max_length: 32\n    description: Coupon code, if one was used.\nusage:",
    );
    edit(
        &checkout,
        "description: Satisfaction score, if given.",
        "description: Satisfaction score (1-5), if given.",
    );
    edit(
        &catalog.join("catalog.yaml"),
        "version: 0.1.0",
        "version: 0.2.0",
    );
    generate(&catalog, &out, Mode::Write).expect("the minor bump generates");

    // A major bump: a new required property, a new table beside the old one.
    let viewed = catalog.join("events/shop/shop.item_viewed.yaml");
    edit(&viewed, "version: 1.0.0", "version: 2.0.0");
    edit(
        &viewed,
        "usage:",
        "  position:\n    type: integer\n    minimum: 1\n    description: Rank of the item in the list it was opened from.\nusage:",
    );
    edit(
        &catalog.join("catalog.yaml"),
        "version: 0.2.0",
        "version: 1.0.0",
    );
    generate(&catalog, &out, Mode::Write).expect("the major bump generates");

    let minor =
        std::fs::read_to_string(out.join("sql/migrations/checkout.completed/1.3.0.sql")).unwrap();
    assert!(minor.contains("ADD COLUMN \"coupon\" text;"), "{minor}");
    assert!(
        minor.contains("ALTER COLUMN \"item_count\" TYPE integer"),
        "{minor}"
    );
    let major =
        std::fs::read_to_string(out.join("sql/migrations/shop.item_viewed/2.0.0.sql")).unwrap();
    assert!(
        major.contains("CREATE TABLE \"events\".\"shop_item_viewed_v2\""),
        "{major}"
    );
    // Published migrations stay as they were: generate --check agrees with what is on disk.
    assert!(generate(&catalog, &out, Mode::Check).unwrap().is_current());

    let pg = Postgres::start();
    pg.create_database("schema");
    let mut schema = pg.client("schema");
    apply(&mut schema, &out.join("sql/schema.sql"));
    pg.create_database("migrated");
    let mut migrated = pg.client("migrated");
    apply(&mut migrated, &out.join("sql/base.sql"));
    let order = migrations_in_order(&out);
    assert_eq!(order.len(), 4, "{order:?}");
    for file in &order {
        apply(&mut migrated, file);
    }
    let (a, b) = (describe(&mut migrated), describe(&mut schema));
    if a != b {
        let only_a: Vec<&String> = a.iter().filter(|l| !b.contains(l)).collect();
        let only_b: Vec<&String> = b.iter().filter(|l| !a.contains(l)).collect();
        panic!("migrated vs schema.sql:\nonly migrated: {only_a:#?}\nonly schema.sql: {only_b:#?}");
    }
    let tables: Vec<String> = schema
        .query(
            "SELECT table_name FROM eventcat.event_tables ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        tables,
        [
            "checkout_completed_v1",
            "shop_item_viewed_v1",
            "shop_item_viewed_v2"
        ]
    );
}

#[test]
fn the_roles_grant_what_they_say() {
    let pg = Postgres::start();
    pg.create_database("grants");
    let mut admin = pg.client("grants");
    apply(&mut admin, &workspace().join("generated/sql/schema.sql"));
    admin
        .batch_execute(
            "CREATE ROLE analyst LOGIN IN ROLE eventcat_reader;
             CREATE ROLE loader LOGIN IN ROLE eventcat_writer;",
        )
        .unwrap();
    let connect = |user: &str| {
        postgres::Client::connect(
            &format!("postgresql://{user}@127.0.0.1:{}/grants", pg.port()),
            postgres::NoTls,
        )
        .unwrap()
    };
    let mut analyst = connect("analyst");
    let denied = |client: &mut postgres::Client, sql: &str| {
        let error = client.batch_execute(sql).expect_err(sql);
        assert_eq!(
            error.code(),
            Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
            "{sql}: {error:?}"
        );
    };
    analyst
        .batch_execute("SELECT * FROM events.user_login_v1")
        .unwrap();
    denied(&mut analyst, "SELECT * FROM eventcat.bad_events");
    denied(&mut analyst, "DELETE FROM events.user_login_v1");
    denied(
        &mut analyst,
        "INSERT INTO events.user_login_v1 (event_id) VALUES (gen_random_uuid())",
    );
    denied(&mut analyst, "CREATE TABLE events.mine (x int)");

    let mut loader = connect("loader");
    loader
        .batch_execute(
            "INSERT INTO eventcat.bad_events (source, position, errors, payload) \
             VALUES ('test', '1', '[]', 'x'); SELECT count(*) FROM eventcat.bad_events",
        )
        .unwrap();
    denied(&mut loader, "DELETE FROM eventcat.bad_events");
    denied(&mut loader, "DROP TABLE events.user_login_v1");
    // The loader creates partitions only through ensure_partition (which runs as the owner).
    let part: String = loader
        .query_one(
            "SELECT eventcat.ensure_partition('user_login_v1', '2026-03-04T05:06:07Z')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(part, "user_login_v1_p202603");
    denied(
        &mut loader,
        "CREATE TABLE events.x PARTITION OF events.user_login_v1 FOR VALUES FROM ('2020-01-01') TO ('2020-02-01')",
    );
}

#[test]
fn hostile_names_and_text_cannot_inject_sql() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    let out = dir.path().join("generated");
    copy_dir(
        &workspace().join("codegen/tests/fixtures/hostile"),
        &catalog,
    );
    // On top of the shared hostile fixture, text aimed at SQL: quotes that close a literal,
    // statement ends, comment markers, dollar quotes and the tag of the loader's body.
    let weird = catalog.join("events/shop/weird.keywords.yaml");
    let attack = r#"x'); DROP SCHEMA events CASCADE; -- $body$ $fn$ $$ E'\' \\' /* "q"" ;"#;
    edit(
        &weird,
        "description: A property named like a Rust and TypeScript keyword.",
        &format!("description: {}", serde_json::to_string(attack).unwrap()),
    );
    edit(
        &weird,
        "\"ünïcode\"]",
        &format!("\"ünïcode\", {}]", serde_json::to_string(attack).unwrap()),
    );
    generate(&catalog, &out, Mode::Write).expect("the hostile catalog generates");

    let pg = Postgres::start();
    pg.create_database("hostile");
    let mut client = pg.client("hostile");
    apply(&mut client, &out.join("sql/schema.sql"));
    let comment: String = client
        .query_one(
            "SELECT col_description('events.weird_keywords_v1'::regclass, \
             (SELECT attnum FROM pg_attribute WHERE attrelid = 'events.weird_keywords_v1'::regclass AND attname = 'type'))",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        comment, attack,
        "the description is stored as it was written"
    );
    let parents: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'events' AND c.relkind = 'p'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        parents, 3,
        "the three tables, and the schema the text names is still there"
    );
    // The enum value is a value: a row holding it passes the CHECK, others fail it.
    client
        .batch_execute("SELECT eventcat.ensure_partition('weird_keywords_v1', '2026-01-01Z')")
        .unwrap();
    let insert = "INSERT INTO events.weird_keywords_v1 (event_id, event_type, event_name, \"timestamp\", \
         organization_id, version, source, environment, \"type\", \"self\", \"enum\", \"fn\") \
         VALUES (gen_random_uuid(), 'weird.oddities', 'weird.keywords', '2026-01-01T10:00:00Z', 'o', \
         '1.0.0', 's', 'production', 't', $1, 1, ARRAY['crate'])";
    client.execute(insert, &[&attack]).unwrap();
    assert!(client.execute(insert, &[&"not a value"]).is_err());
}
