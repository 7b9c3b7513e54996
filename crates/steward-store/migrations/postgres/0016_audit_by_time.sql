-- The dashboard's "changes in the last 24 hours" counts a company's events by time: an
-- index range over the day, not a walk over the company's whole trail.
CREATE INDEX audit_events_company_at ON audit_events(company_id, at);
