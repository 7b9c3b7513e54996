-- Personal data and pay have their own grants (hr_personal, hr_pay: read and update). Until
-- now any company-wide hr.update showed and changed both; from now on hr.update alone gives
-- job data and the record's job part. The built-in roles get the new grants from the code
-- (sync at start): the HR lead both, the HR clerk personal data, the admin everything, the
-- auditor neither.
--
-- Custom roles that hold company-wide hr.update are NOT given hr_personal or hr_pay here.
-- Least privilege: whoever built such a role chose hr.update when it was the only way to
-- let people keep records; nobody chose to show them national ids, addresses or salaries.
-- Granting by migration would turn that accident into a decision nobody made, for every
-- holder at once and unseen; losing sight of the data is noticed at once and undone in a
-- minute by an admin who decides. So the roles keep exactly their grants, and every admin of
-- the role's company is told, by a notification that links to the role, what changed and
-- which grants to add if the role should keep it.
-- Kept in lockstep with migrations/postgres/0018_hr_personal_pay_grants.sql.
-- Dialect-specific below: a data statement, whose clock (strftime or EXTRACT) and text
-- cast each database spells its own way.
INSERT INTO notifications (company_id, user_id, kind, title, body, link, created_at)
SELECT DISTINCT r.company_id, ur.user_id, 'system.roles',
       'Role "' || r.name || '" no longer shows personal data or pay',
       'Personal data and pay have their own grants now (hr_personal, hr_pay). The custom role "'
           || r.name || '" holds hr.update, which used to show both; it no longer does. '
           || 'If its holders should still see or change personal data or pay, add hr_personal '
           || 'or hr_pay (read, update) to the role.',
       '/roles/' || r.id,
       CAST(strftime('%s', 'now') AS INTEGER) * 1000000
FROM roles r
JOIN role_grants g ON g.role_id = r.id AND g.domain = 'hr' AND g.action = 'update'
     AND g.scope = 'company'
JOIN user_roles ur ON ur.company_id = r.company_id
JOIN roles a ON a.id = ur.role_id AND a.company_id IS NULL AND a.builtin = 1 AND a.key = 'admin'
WHERE r.builtin = 0 AND r.company_id IS NOT NULL;
