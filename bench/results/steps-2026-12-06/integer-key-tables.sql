\set ON_ERROR_STOP on
DROP TABLE IF EXISTS mt, mi;
CREATE TABLE mt (id bigint GENERATED ALWAYS AS IDENTITY, sensor_id text NOT NULL, temperature float8 NOT NULL, ts timestamptz NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now(), log_partition int, log_offset bigint, log_time timestamptz,
  PRIMARY KEY (sensor_id, ts)) PARTITION BY RANGE (ts);
CREATE TABLE mt_d PARTITION OF mt DEFAULT;
CREATE INDEX ON mt (ts, id);
CREATE TABLE mi (id bigint GENERATED ALWAYS AS IDENTITY, sensor_key int NOT NULL, temperature float8 NOT NULL, ts timestamptz NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now(), log_partition int, log_offset bigint, log_time timestamptz,
  PRIMARY KEY (sensor_key, ts)) PARTITION BY RANGE (ts);
CREATE TABLE mi_d PARTITION OF mi DEFAULT;
CREATE INDEX ON mi (ts, id);
