-- Work: notifications (being written).
CREATE TABLE work_placeholder_notifications (id BIGINT PRIMARY KEY);
DROP TABLE work_placeholder_notifications;
