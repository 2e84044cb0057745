-- The parts every event table relies on: schemas, roles, metadata, bad_events, the partition
-- and loading functions. Safe to run again (every statement checks what exists first); rerun it
-- before the migrations when eventcat is upgraded.

CREATE SCHEMA IF NOT EXISTS "eventcat";
CREATE SCHEMA IF NOT EXISTS "events";

-- Group roles (NOLOGIN): grant them to the loader's login and to analysts.
DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'eventcat_writer') THEN
        CREATE ROLE "eventcat_writer" NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'eventcat_reader') THEN
        CREATE ROLE "eventcat_reader" NOLOGIN;
    END IF;
END
$roles$;

-- Which event versions the tables are at: each migration adds its row, once.
CREATE TABLE IF NOT EXISTS "eventcat"."migrations" (
    "event_name" text NOT NULL,
    "version" text NOT NULL,
    PRIMARY KEY ("event_name", "version")
);

-- One row per event table: what the loader and the retention job need to know.
CREATE TABLE IF NOT EXISTS "eventcat"."event_tables" (
    "table_name" text PRIMARY KEY,
    "event_name" text NOT NULL,
    "major" integer NOT NULL,
    "version" text NOT NULL,
    "partition_width" text NOT NULL CHECK ("partition_width" IN ('day', 'month')),
    "retention_period" interval,
    "archive_after" interval,
    "loader" text NOT NULL,
    UNIQUE ("event_name", "major")
);

-- Every partition ever created, and what retention did with it.
CREATE TABLE IF NOT EXISTS "eventcat"."partitions" (
    "partition_name" text PRIMARY KEY,
    "table_name" text NOT NULL REFERENCES "eventcat"."event_tables" ("table_name"),
    "range_start" timestamptz NOT NULL,
    "range_end" timestamptz NOT NULL,
    "state" text NOT NULL DEFAULT 'attached' CHECK ("state" IN ('attached', 'detached', 'dropped')),
    "archive_file" text,
    "archived_rows" bigint
);

-- Payloads that failed validation (or could not be stored), with their errors. Raw payloads
-- may hold personal data: analysts have no access.
CREATE TABLE IF NOT EXISTS "eventcat"."bad_events" (
    "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "received_at" timestamptz NOT NULL DEFAULT now(),
    "source" text NOT NULL,
    "position" text NOT NULL,
    "event_name" text,
    "version" text,
    "errors" jsonb NOT NULL,
    -- The input as text (lossy when it was not UTF-8); the exact bytes then in payload_base64.
    "payload" text NOT NULL,
    "payload_base64" text
);
-- A replay of the same input adds no bad row twice.
CREATE UNIQUE INDEX IF NOT EXISTS "bad_events_replay_key"
    ON "eventcat"."bad_events" ("source", "position", md5("payload"));

-- The partition of `target` that holds `moment`, created when missing. Runs as the owner of the
-- tables (the loader may insert, not create tables); two loaders cannot create it twice.
CREATE OR REPLACE FUNCTION "eventcat"."ensure_partition"(target text, moment timestamptz)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    width text;
    lower_bound timestamp;
    upper_bound timestamp;
    part text;
BEGIN
    SELECT t.partition_width INTO width FROM "eventcat"."event_tables" AS t WHERE t.table_name = target;
    IF width IS NULL THEN
        RAISE EXCEPTION 'eventcat: % is not an event table (eventcat.event_tables)', target;
    END IF;
    lower_bound := date_trunc(width, moment AT TIME ZONE 'UTC');
    upper_bound := lower_bound + ('1 ' || width)::interval;
    part := target || '_p' || to_char(lower_bound, CASE width WHEN 'day' THEN 'YYYYMMDD' ELSE 'YYYYMM' END);
    IF EXISTS (SELECT FROM "eventcat"."partitions" AS p WHERE p.partition_name = part) THEN
        RETURN part;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('eventcat.ensure_partition'), hashtext(part));
    IF EXISTS (SELECT FROM "eventcat"."partitions" AS p WHERE p.partition_name = part) THEN
        RETURN part;
    END IF;
    EXECUTE format('CREATE TABLE "events".%I PARTITION OF "events".%I FOR VALUES FROM (%L) TO (%L)',
        part, target, lower_bound AT TIME ZONE 'UTC', upper_bound AT TIME ZONE 'UTC');
    INSERT INTO "eventcat"."partitions" ("partition_name", "table_name", "range_start", "range_end")
    VALUES (part, target, lower_bound AT TIME ZONE 'UTC', upper_bound AT TIME ZONE 'UTC');
    RETURN part;
END
$fn$;
REVOKE ALL ON FUNCTION "eventcat"."ensure_partition"(text, timestamptz) FROM PUBLIC;

-- Moves what the loader staged in pg_temp.eventcat_staging into the event tables (each table's
-- loader function); returns, per table, the rows staged and the rows inserted (a row whose
-- event_id and timestamp are already stored is not inserted again).
CREATE OR REPLACE FUNCTION "eventcat"."load_staged"()
RETURNS TABLE ("table_name" text, "staged" bigint, "inserted" bigint)
LANGUAGE plpgsql
AS $fn$
DECLARE
    target record;
    n bigint;
BEGIN
    FOR target IN
        SELECT s.table_name AS name, t.loader, count(*) AS rows
        FROM pg_temp.eventcat_staging AS s
        JOIN "eventcat"."event_tables" AS t ON t.table_name = s.table_name
        GROUP BY s.table_name, t.loader
        ORDER BY s.table_name
    LOOP
        EXECUTE format('SELECT %s()', target.loader) INTO n;
        table_name := target.name;
        staged := target.rows;
        inserted := n;
        RETURN NEXT;
    END LOOP;
END
$fn$;
REVOKE ALL ON FUNCTION "eventcat"."load_staged"() FROM PUBLIC;

-- The loader stages each batch in temporary tables of its session (PUBLIC may create them by
-- default; a database that revoked that still lets the writer).
DO $temp$
BEGIN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO "eventcat_writer"', current_database());
END
$temp$;
GRANT USAGE ON SCHEMA "events" TO "eventcat_reader", "eventcat_writer";
GRANT USAGE ON SCHEMA "eventcat" TO "eventcat_writer";
GRANT SELECT ON "eventcat"."event_tables" TO "eventcat_writer";
GRANT SELECT, INSERT ON "eventcat"."bad_events" TO "eventcat_writer";
GRANT EXECUTE ON FUNCTION "eventcat"."ensure_partition"(text, timestamptz) TO "eventcat_writer";
GRANT EXECUTE ON FUNCTION "eventcat"."load_staged"() TO "eventcat_writer";
