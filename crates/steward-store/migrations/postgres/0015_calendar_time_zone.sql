-- Working calendars keep an IANA time zone (daylight saving included) instead of a fixed
-- offset from UTC. An offset of 0 becomes UTC, a whole number of hours the Etc zone of that
-- offset (whose names count the other way: +02:00 is Etc/GMT-2), anything else the fixed
-- offset written +05:30. Kept in lockstep with migrations/sqlite/0013_calendar_time_zone.sql.
ALTER TABLE case_sla_settings ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
UPDATE case_sla_settings SET time_zone = CASE
    WHEN utc_offset_minutes = 0 THEN 'UTC'
    WHEN utc_offset_minutes % 60 = 0 THEN 'Etc/GMT' || (CASE WHEN utc_offset_minutes > 0 THEN '-' ELSE '+' END) || (abs(utc_offset_minutes) / 60)::text
    ELSE (CASE WHEN utc_offset_minutes < 0 THEN '-' ELSE '+' END) || lpad((abs(utc_offset_minutes) / 60)::text, 2, '0') || ':' || lpad((abs(utc_offset_minutes) % 60)::text, 2, '0')
END;
ALTER TABLE case_sla_settings DROP COLUMN utc_offset_minutes;
