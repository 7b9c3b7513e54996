-- Work: tasks (being written).
CREATE TABLE work_placeholder_tasks (id BIGINT PRIMARY KEY);
DROP TABLE work_placeholder_tasks;
