-- The revops database, schema version 1.
--
-- Units: a column ending in _minor holds money as an integer count of the
-- minor unit of the row's currency (cents for USD, yen for JPY, fils for
-- KWD); _micro holds millionths: of the minor unit for unit prices and
-- costs, of one for quantities and percentages; rate_pico holds fx rates
-- in 10^-12 base units.  Dates are ISO 8601 text (YYYY-MM-DD); end dates
-- are exclusive.  Ids are the company's own text ids, except where a
-- program assigns them (Q-000001, INV-2026-000001...).

-- settings: key/value pairs; the defaults below are made with the database.
CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
INSERT INTO settings (key, value) VALUES
	('base_currency', 'USD'),
	('billing_day', '1'),
	('payment_terms_days', '30'),
	('fiscal_year_start_month', '1');

CREATE TABLE accounts (
	account_id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	segment TEXT,
	region TEXT,
	industry TEXT,
	owner TEXT,
	currency TEXT NOT NULL,
	created_on TEXT,
	billing_email TEXT
);

CREATE TABLE products (
	sku TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	family TEXT,
	kind TEXT NOT NULL CHECK (kind IN ('one_time', 'recurring', 'usage')),
	billing_period TEXT CHECK (billing_period IN ('month', 'quarter', 'year')),
	unit TEXT,
	unit_cost_micro INTEGER,	-- in the base currency
	active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

-- Several rows make the tiers of one sku and currency.
CREATE TABLE prices (
	price_id INTEGER PRIMARY KEY,
	sku TEXT NOT NULL REFERENCES products (sku),
	currency TEXT NOT NULL,
	model TEXT NOT NULL CHECK (model IN ('flat', 'per_unit', 'volume', 'graduated')),
	tier_min_micro INTEGER NOT NULL DEFAULT 1000000,
	unit_price_micro INTEGER NOT NULL,
	effective_from TEXT,
	effective_to TEXT
);
CREATE UNIQUE INDEX prices_key
	ON prices (sku, currency, tier_min_micro, ifnull(effective_from, ''));

CREATE TABLE rules (
	rule_id TEXT PRIMARY KEY,
	applies_to TEXT NOT NULL,	-- '*', 'family:NAME' or 'sku:SKU'
	kind TEXT NOT NULL CHECK (kind IN ('max_discount', 'min_margin', 'max_term_months')),
	threshold_micro INTEGER NOT NULL,
	approver TEXT
);

CREATE TABLE stages (
	stage TEXT PRIMARY KEY,
	position INTEGER NOT NULL,	-- unique: checked by revops-import
	probability_micro INTEGER NOT NULL,	-- percent
	is_closed INTEGER NOT NULL DEFAULT 0 CHECK (is_closed IN (0, 1)),
	is_won INTEGER NOT NULL DEFAULT 0 CHECK (is_won IN (0, 1))
);
INSERT INTO stages (stage, position, probability_micro, is_closed, is_won) VALUES
	('prospecting', 1, 10000000, 0, 0),
	('qualification', 2, 20000000, 0, 0),
	('proposal', 3, 50000000, 0, 0),
	('negotiation', 4, 75000000, 0, 0),
	('closed_won', 5, 100000000, 1, 1),
	('closed_lost', 6, 0, 1, 0);

CREATE TABLE leads (
	lead_id TEXT PRIMARY KEY,
	created_on TEXT NOT NULL,
	source TEXT,
	campaign TEXT,
	company TEXT,
	status TEXT NOT NULL DEFAULT 'new' CHECK (status IN
	    ('new', 'working', 'qualified', 'disqualified', 'converted')),
	account_id TEXT REFERENCES accounts (account_id),
	opportunity_id TEXT,	-- the opportunity it became; not enforced (cycle)
	converted_on TEXT
);

CREATE TABLE opportunities (
	opportunity_id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts (account_id),
	name TEXT,
	type TEXT NOT NULL DEFAULT 'new' CHECK (type IN ('new', 'expansion', 'renewal')),
	stage TEXT NOT NULL REFERENCES stages (stage),
	amount_minor INTEGER,
	currency TEXT NOT NULL,
	created_on TEXT NOT NULL,
	close_date TEXT,
	owner TEXT,
	lead_id TEXT REFERENCES leads (lead_id)
);
CREATE INDEX opportunities_account ON opportunities (account_id);

CREATE TABLE stage_history (
	history_id INTEGER PRIMARY KEY,
	opportunity_id TEXT NOT NULL REFERENCES opportunities (opportunity_id),
	stage TEXT NOT NULL REFERENCES stages (stage),
	changed_on TEXT NOT NULL,
	UNIQUE (opportunity_id, stage, changed_on)
);

CREATE TABLE contracts (
	contract_id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts (account_id),
	start_date TEXT NOT NULL,
	end_date TEXT NOT NULL,
	auto_renew INTEGER NOT NULL DEFAULT 0 CHECK (auto_renew IN (0, 1)),
	renewal_of TEXT REFERENCES contracts (contract_id),
	order_id TEXT,		-- the order it came from (revops-quote)
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN
	    ('active', 'expired', 'cancelled', 'renewed'))
);
CREATE INDEX contracts_account ON contracts (account_id);

CREATE TABLE subscriptions (
	subscription_id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts (account_id),
	contract_id TEXT REFERENCES contracts (contract_id),
	sku TEXT NOT NULL REFERENCES products (sku),
	quantity_micro INTEGER NOT NULL,
	unit_price_micro INTEGER NOT NULL,
	discount_pct_micro INTEGER NOT NULL DEFAULT 0,
	currency TEXT NOT NULL,
	billing_period TEXT NOT NULL CHECK (billing_period IN ('month', 'quarter', 'year')),
	start_date TEXT NOT NULL,
	end_date TEXT
);
-- An account's subscriptions, with every column a billing run and the
-- metrics read, so that they go through them in account order without
-- touching the table.
CREATE INDEX subscriptions_account ON subscriptions (account_id,
	subscription_id, sku, quantity_micro, unit_price_micro,
	discount_pct_micro, currency, billing_period, start_date, end_date,
	contract_id);

-- The invoice tables are the largest; WITHOUT ROWID keeps each in one
-- b-tree, ordered by its key.
CREATE TABLE invoices (
	invoice_id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts (account_id),
	issue_date TEXT NOT NULL,
	due_date TEXT NOT NULL,
	currency TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'void'))
) WITHOUT ROWID;

CREATE TABLE invoice_lines (
	invoice_id TEXT NOT NULL REFERENCES invoices (invoice_id),
	line_no INTEGER NOT NULL,
	sku TEXT REFERENCES products (sku),
	description TEXT,
	quantity_micro INTEGER,
	unit_price_micro INTEGER,
	amount_minor INTEGER NOT NULL,
	tax_amount_minor INTEGER NOT NULL DEFAULT 0,
	service_start TEXT,
	service_end TEXT,
	PRIMARY KEY (invoice_id, line_no)
) WITHOUT ROWID;

CREATE TABLE payments (
	payment_id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts (account_id),
	received_on TEXT NOT NULL,
	amount_minor INTEGER NOT NULL,
	currency TEXT NOT NULL,
	method TEXT,
	invoice_id TEXT REFERENCES invoices (invoice_id),
	reference TEXT
);
CREATE INDEX payments_account ON payments (account_id);

CREATE TABLE usage (
	event_id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts (account_id),
	sku TEXT NOT NULL REFERENCES products (sku),
	quantity_micro INTEGER NOT NULL,
	used_on TEXT NOT NULL
);
CREATE INDEX usage_account ON usage (account_id, used_on);

CREATE TABLE users (
	user_id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts (account_id),
	activated_on TEXT NOT NULL,
	deactivated_on TEXT
);

CREATE TABLE spend (
	spend_id INTEGER PRIMARY KEY,
	month TEXT NOT NULL,	-- YYYY-MM
	kind TEXT NOT NULL CHECK (kind IN ('marketing', 'sales')),
	channel TEXT,
	amount_minor INTEGER NOT NULL,
	currency TEXT NOT NULL
);
CREATE UNIQUE INDEX spend_key ON spend (month, kind, ifnull(channel, ''));

CREATE TABLE csat (
	response_id TEXT PRIMARY KEY,
	account_id TEXT REFERENCES accounts (account_id),
	responded_on TEXT NOT NULL,
	score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5)
);

CREATE TABLE fx_rates (
	currency TEXT NOT NULL,
	rate_date TEXT NOT NULL,
	rate_pico INTEGER NOT NULL,	-- base units per one unit
	PRIMARY KEY (currency, rate_date)
);

-- Tax rates per account region, exclusive of the line amount.
CREATE TABLE tax_rates (
	region TEXT PRIMARY KEY,
	rate_micro INTEGER NOT NULL	-- percent
);

-- Records the programs create.

CREATE TABLE quotes (
	quote_id TEXT PRIMARY KEY,
	quote_ref TEXT,
	account_id TEXT NOT NULL REFERENCES accounts (account_id),
	opportunity_id TEXT REFERENCES opportunities (opportunity_id),
	currency TEXT NOT NULL,
	quote_date TEXT NOT NULL,
	valid_until TEXT NOT NULL,	-- the last day it can be accepted
	status TEXT NOT NULL CHECK (status IN ('needs_approval', 'approved',
	    'rejected', 'accepted', 'superseded')),
	revision_of TEXT REFERENCES quotes (quote_id)
);
CREATE INDEX quotes_account ON quotes (account_id);

-- A priced line: amount is the net line amount, rounded once; for a
-- recurring product it is the amount per billing period, with its MRR and
-- its value over term_months.  cost_minor is unit_cost x quantity in the
-- quote's currency (NULL when the product has no cost).
CREATE TABLE quote_lines (
	quote_id TEXT NOT NULL REFERENCES quotes (quote_id),
	line_no INTEGER NOT NULL,
	sku TEXT NOT NULL REFERENCES products (sku),
	kind TEXT NOT NULL,
	billing_period TEXT,
	quantity_micro INTEGER NOT NULL,
	discount_pct_micro INTEGER NOT NULL DEFAULT 0,
	term_months INTEGER NOT NULL,
	model TEXT NOT NULL,
	tier_min_micro INTEGER,
	list_unit_price_micro INTEGER NOT NULL,
	net_unit_price_micro INTEGER NOT NULL,
	amount_minor INTEGER NOT NULL,
	mrr_minor INTEGER,
	term_value_minor INTEGER NOT NULL,
	cost_minor INTEGER,
	rules TEXT,
	PRIMARY KEY (quote_id, line_no)
);

-- One row per rule a quote breaks: the role that must approve it.
CREATE TABLE quote_approvals (
	approval_id INTEGER PRIMARY KEY,
	quote_id TEXT NOT NULL REFERENCES quotes (quote_id),
	line_no INTEGER NOT NULL,
	rule_id TEXT NOT NULL,
	reason TEXT NOT NULL,
	approver TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
	    ('pending', 'approved', 'rejected')),
	decided_by TEXT,
	decided_on TEXT,
	note TEXT
);
CREATE INDEX quote_approvals_quote ON quote_approvals (quote_id);

CREATE TABLE orders (
	order_id TEXT PRIMARY KEY,
	quote_id TEXT REFERENCES quotes (quote_id),
	account_id TEXT NOT NULL REFERENCES accounts (account_id),
	ordered_on TEXT NOT NULL,
	currency TEXT NOT NULL
);

-- The lines of an order.  A recurring line names the subscription it
-- became; a one-time line waits, invoice_id NULL, until a billing run
-- bills it.
CREATE TABLE order_lines (
	order_id TEXT NOT NULL REFERENCES orders (order_id),
	line_no INTEGER NOT NULL,
	sku TEXT NOT NULL REFERENCES products (sku),
	kind TEXT NOT NULL,
	quantity_micro INTEGER NOT NULL,
	unit_price_micro INTEGER NOT NULL,
	discount_pct_micro INTEGER NOT NULL DEFAULT 0,
	amount_minor INTEGER NOT NULL,
	subscription_id TEXT REFERENCES subscriptions (subscription_id),
	invoice_id TEXT REFERENCES invoices (invoice_id),
	PRIMARY KEY (order_id, line_no)
);

-- What each billing run billed for the periods of subscriptions, one row
-- a line: a charge of the days [period_start, period_end) of the full
-- period [full_start, full_end) at the terms it gives; a change of terms
-- on those days (from the run's day), billing the difference from the
-- terms they were billed at; a credit taking those days back (no terms).
-- amount_minor is the line's.  Replayed in the order they were made, a
-- period's rows say which of its days are billed and at what terms, so
-- that a run is idempotent and bills only what differs.
CREATE TABLE billing_records (
	subscription_id TEXT NOT NULL REFERENCES subscriptions (subscription_id),
	period_start TEXT NOT NULL,
	period_end TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('charge', 'change', 'credit')),
	invoice_id TEXT NOT NULL REFERENCES invoices (invoice_id),
	line_no INTEGER NOT NULL,
	amount_minor INTEGER NOT NULL,
	full_start TEXT NOT NULL,
	full_end TEXT NOT NULL,
	quantity_micro INTEGER,
	unit_price_micro INTEGER,
	discount_pct_micro INTEGER,
	PRIMARY KEY (subscription_id, period_start, kind, invoice_id)
) WITHOUT ROWID;

-- Usage billed, per account, sku and month of use.
CREATE TABLE usage_billing (
	account_id TEXT NOT NULL REFERENCES accounts (account_id),
	sku TEXT NOT NULL REFERENCES products (sku),
	month TEXT NOT NULL,
	invoice_id TEXT NOT NULL REFERENCES invoices (invoice_id),
	line_no INTEGER NOT NULL,
	quantity_micro INTEGER NOT NULL,
	PRIMARY KEY (account_id, sku, month)
);

-- A credit note against one invoice (or one line of it): issued
-- invoices are never edited.
CREATE TABLE credit_notes (
	credit_note_id TEXT PRIMARY KEY,
	invoice_id TEXT NOT NULL REFERENCES invoices (invoice_id),
	line_no INTEGER,
	issued_on TEXT NOT NULL,
	amount_minor INTEGER NOT NULL,
	tax_amount_minor INTEGER NOT NULL DEFAULT 0,
	currency TEXT NOT NULL,
	reason TEXT
);
CREATE INDEX credit_notes_invoice ON credit_notes (invoice_id);

-- Payments applied to invoices: amount_minor in the invoice's currency,
-- payment_amount_minor in the payment's (they differ only when a payment
-- was converted).
CREATE TABLE payment_applications (
	application_id INTEGER PRIMARY KEY,
	payment_id TEXT NOT NULL REFERENCES payments (payment_id),
	invoice_id TEXT NOT NULL REFERENCES invoices (invoice_id),
	applied_on TEXT NOT NULL,
	amount_minor INTEGER NOT NULL,
	payment_amount_minor INTEGER NOT NULL
);
CREATE INDEX payment_applications_payment
	ON payment_applications (payment_id);
CREATE INDEX payment_applications_invoice ON payment_applications (invoice_id);

-- Bookkeeping.

CREATE TABLE import_batches (
	batch_id INTEGER PRIMARY KEY,
	entity TEXT NOT NULL,
	file_name TEXT NOT NULL,
	sha256 TEXT NOT NULL,
	mode TEXT NOT NULL,
	rows_read INTEGER NOT NULL,
	inserted INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	unchanged INTEGER NOT NULL,
	deleted INTEGER NOT NULL,
	rejected INTEGER NOT NULL,
	imported_at TEXT NOT NULL,
	user TEXT
);

-- The next number of the ids a program assigns (PREFIX-NNNNNN in a
-- table: Q-, SUB-, INV-2026-...), taken in the transaction that uses
-- it, so that a new id costs one lookup however many there are.  An
-- import into the table drops its rows: the next id is then found again
-- as one past the largest of its form there.
CREATE TABLE id_counters (
	tbl TEXT NOT NULL,
	prefix TEXT NOT NULL,
	next INTEGER NOT NULL,
	PRIMARY KEY (tbl, prefix)
) WITHOUT ROWID;

-- One row per command that changed the database, in its transaction.
CREATE TABLE audit_log (
	audit_id INTEGER PRIMARY KEY,
	at TEXT NOT NULL,
	user TEXT,
	program TEXT NOT NULL,
	verb TEXT,
	arguments TEXT,
	changes TEXT NOT NULL	-- JSON: {"table": {"inserted": n, "updated": n, "deleted": n}}
);

-- Views for the common joins.

CREATE VIEW invoice_totals AS
SELECT i.invoice_id, i.account_id, a.name AS account_name, i.issue_date,
	i.due_date, i.currency, i.status,
	count(l.line_no) AS lines,
	ifnull(sum(l.amount_minor), 0) AS amount_minor,
	ifnull(sum(l.tax_amount_minor), 0) AS tax_minor,
	ifnull(sum(l.amount_minor + l.tax_amount_minor), 0) AS total_minor
FROM invoices i
JOIN accounts a USING (account_id)
LEFT JOIN invoice_lines l USING (invoice_id)
GROUP BY i.invoice_id;

CREATE VIEW subscription_details AS
SELECT s.*, a.name AS account_name, a.segment, a.region,
	p.name AS product_name, p.family
FROM subscriptions s
JOIN accounts a USING (account_id)
JOIN products p USING (sku);
