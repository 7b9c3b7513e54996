-- Work: approvals (being written).
CREATE TABLE work_placeholder_approvals (id BIGINT PRIMARY KEY);
DROP TABLE work_placeholder_approvals;
