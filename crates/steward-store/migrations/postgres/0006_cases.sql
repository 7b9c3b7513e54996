-- Work: cases (being written).
CREATE TABLE work_placeholder_cases (id BIGINT PRIMARY KEY);
DROP TABLE work_placeholder_cases;
