-- The insert loop of the integer-key measurement (ANALYSIS.md, 2026-12-06). psql does not substitute
-- variables inside dollar quotes: the runs replaced :'tbl' by 'mt' (text key), 'mi' (integer key)
-- or dropped the INSERT (array generation alone), with sed, then timed each file with psql -f
-- after integer-key-tables.sql, twice in turn, truncating both tables between rounds.
-- 800 batches of 2,500 (2,000,000 rows), each batch in random order; 20,000 sensors, ascending times
DO $$
DECLARE b int; keys int[]; names text[]; temps float8[]; ms float8[]; t0 timestamptz; base float8 := 1.7e12;
BEGIN
  FOR b IN 0..799 LOOP
    SELECT array_agg(k ORDER BY r), array_agg('sensor-' || lpad(k::text, 4, '0') ORDER BY r), array_agg(20.0 + k % 7 ORDER BY r), array_agg(base + (b*2500 + i) * 1.0 ORDER BY r)
      INTO keys, names, temps, ms
      FROM (SELECT i, (i * 7919) % 20000 + 1 AS k, random() AS r FROM generate_series(0, 2499) i) s;
    IF :'tbl' = 'mt' THEN
      INSERT INTO mt (sensor_id, temperature, ts, log_partition, log_offset, log_time)
      SELECT sensor_id, temperature, to_timestamp(m / 1000), 0, 1, now()
      FROM unnest(names, temps, ms) WITH ORDINALITY AS x(sensor_id, temperature, m, position) ORDER BY sensor_id COLLATE "C", position;
    ELSE
      INSERT INTO mi (sensor_key, temperature, ts, log_partition, log_offset, log_time)
      SELECT sensor_key, temperature, to_timestamp(m / 1000), 0, 1, now()
      FROM unnest(keys, temps, ms) WITH ORDINALITY AS x(sensor_key, temperature, m, position) ORDER BY sensor_key, position;
    END IF;
  END LOOP;
END $$;
