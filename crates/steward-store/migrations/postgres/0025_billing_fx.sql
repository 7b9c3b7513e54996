-- Documents and payments in a currency other than the books': the ledger's rate each took
-- (a plain decimal, units of the books' currency for one of the document's), the value in
-- the books' currency (minor units), and the exchange gain (positive) or loss (negative)
-- a settlement realised; the billing settings' exchange difference account. NULL rates and
-- values: in the books' currency, or posted before this version. Kept in lockstep with
-- migrations/sqlite/0025_billing_fx.sql.
ALTER TABLE billing_settings ADD COLUMN fx_gain_loss_account_id BIGINT REFERENCES ledger_accounts(id);
ALTER TABLE billing_documents ADD COLUMN fx_rate TEXT;
ALTER TABLE billing_documents ADD COLUMN book_total BIGINT;
ALTER TABLE billing_documents ADD COLUMN exchange_difference BIGINT NOT NULL DEFAULT 0;
ALTER TABLE billing_payments ADD COLUMN fx_rate TEXT;
ALTER TABLE billing_payments ADD COLUMN book_amount BIGINT;
ALTER TABLE billing_payments ADD COLUMN exchange_difference BIGINT NOT NULL DEFAULT 0;
ALTER TABLE billing_allocations ADD COLUMN book_amount BIGINT;
ALTER TABLE billing_allocations ADD COLUMN exchange_difference BIGINT NOT NULL DEFAULT 0;
