#include <string.h>

#include "entity.h"

#define R EC_REQUIRED
#define K EC_KEY
#define H EC_HEADER

/* name, table column, type, flags, enum values, refers to, default */
#define COL(n, d, t, f) { n, d, t, f, NULL, NULL, NULL, 0, 0 }
#define ENUM(n, f, v, dflt) { n, n, ET_ENUM, f, v, NULL, dflt, 0, 0 }
#define REF(n, f, ref) { n, n, ET_ID, f, NULL, ref, NULL, 0, 0 }
#define DFLT(n, d, t, f, dflt) { n, d, t, f, NULL, NULL, dflt, 0, 0 }
#define INT(n, f, lo, hi) { n, n, ET_INT, f, NULL, NULL, NULL, lo, hi }

#define PERIODS "month|quarter|year"

static const struct entity_column settings_cols[] = {
	COL("key", "key", ET_ID, R | K),
	COL("value", "value", ET_SETTING, R),
};

static const struct entity_column accounts_cols[] = {
	COL("account_id", "account_id", ET_ID, R | K),
	COL("name", "name", ET_TEXT, R),
	COL("segment", "segment", ET_TEXT, 0),
	COL("region", "region", ET_TEXT, 0),
	COL("industry", "industry", ET_TEXT, 0),
	COL("owner", "owner", ET_TEXT, 0),
	COL("currency", "currency", ET_CURRENCY, 0),
	COL("created_on", "created_on", ET_DATE, 0),
	COL("billing_email", "billing_email", ET_EMAIL, 0),
	COL("billing_address", "billing_address", ET_TEXT, 0),
};

static const struct entity_column products_cols[] = {
	COL("sku", "sku", ET_ID, R | K),
	COL("name", "name", ET_TEXT, R),
	COL("family", "family", ET_TEXT, 0),
	ENUM("kind", R, "one_time|recurring|usage", NULL),
	ENUM("billing_period", 0, PERIODS, NULL),
	COL("unit", "unit", ET_TEXT, 0),
	COL("unit_cost", "unit_cost_micro", ET_PRICE, 0),
	DFLT("active", "active", ET_BOOL, 0, "true"),
	ENUM("usage_aggregation", 0, "sum|max|last|count", NULL),
};

static const struct entity_column prices_cols[] = {
	REF("sku", R | K, "products"),
	COL("currency", "currency", ET_CURRENCY, R | K),
	ENUM("model", R, "flat|per_unit|volume|graduated", NULL),
	DFLT("tier_min", "tier_min_micro", ET_QUANTITY, K, "1"),
	COL("unit_price", "unit_price_micro", ET_PRICE, R),
	COL("flat_fee", "flat_fee_micro", ET_PRICE, 0),
	COL("effective_from", "effective_from", ET_DATE, K),
	COL("effective_to", "effective_to", ET_DATE, 0),
};

static const struct entity_column rules_cols[] = {
	COL("rule_id", "rule_id", ET_ID, R | K),
	COL("applies_to", "applies_to", ET_SCOPE, R),
	ENUM("kind", R, "max_discount|min_margin|max_term_months", NULL),
	COL("threshold", "threshold_micro", ET_QUANTITY, R),
	COL("approver", "approver", ET_TEXT, 0),
};

static const struct entity_column stages_cols[] = {
	COL("stage", "stage", ET_ID, R | K),
	INT("position", R, 1, 1000),
	COL("probability", "probability_micro", ET_PERCENT, R),
	DFLT("is_closed", "is_closed", ET_BOOL, 0, "false"),
	DFLT("is_won", "is_won", ET_BOOL, 0, "false"),
};

static const struct entity_column leads_cols[] = {
	COL("lead_id", "lead_id", ET_ID, R | K),
	COL("created_on", "created_on", ET_DATE, R),
	COL("source", "source", ET_TEXT, 0),
	COL("campaign", "campaign", ET_TEXT, 0),
	COL("company", "company", ET_TEXT, 0),
	ENUM("status", 0, "new|working|qualified|disqualified|converted",
	    "new"),
	REF("account_id", 0, "accounts"),
	COL("opportunity_id", "opportunity_id", ET_ID, 0),
	COL("converted_on", "converted_on", ET_DATE, 0),
};

static const struct entity_column opportunities_cols[] = {
	COL("opportunity_id", "opportunity_id", ET_ID, R | K),
	REF("account_id", R, "accounts"),
	COL("name", "name", ET_TEXT, 0),
	ENUM("type", 0, "new|expansion|renewal", "new"),
	REF("stage", R, "stages"),
	COL("amount", "amount_minor", ET_MONEY, 0),
	COL("currency", "currency", ET_CURRENCY, 0),
	COL("created_on", "created_on", ET_DATE, R),
	COL("close_date", "close_date", ET_DATE, 0),
	COL("owner", "owner", ET_TEXT, 0),
	REF("lead_id", 0, "leads"),
};

static const struct entity_column stage_history_cols[] = {
	REF("opportunity_id", R | K, "opportunities"),
	REF("account_id", 0, "accounts"),
	REF("stage", R | K, "stages"),
	COL("changed_on", "changed_on", ET_DATE, R | K),
};

static const struct entity_column contracts_cols[] = {
	COL("contract_id", "contract_id", ET_ID, R | K),
	REF("account_id", R, "accounts"),
	COL("start_date", "start_date", ET_DATE, R),
	COL("end_date", "end_date", ET_DATE, R),
	DFLT("auto_renew", "auto_renew", ET_BOOL, 0, "false"),
	REF("renewal_of", 0, "contracts"),
	COL("order_id", "order_id", ET_ID, 0),
	ENUM("status", 0, "active|expired|cancelled|renewed", "active"),
};

static const struct entity_column subscriptions_cols[] = {
	COL("subscription_id", "subscription_id", ET_ID, R | K),
	REF("account_id", R, "accounts"),
	REF("contract_id", 0, "contracts"),
	REF("sku", R, "products"),
	COL("quantity", "quantity_micro", ET_QUANTITY, R | EC_POSITIVE),
	COL("unit_price", "unit_price_micro", ET_PRICE, R),
	DFLT("discount_pct", "discount_pct_micro", ET_PERCENT, 0, "0"),
	COL("currency", "currency", ET_CURRENCY, 0),
	ENUM("billing_period", R, PERIODS, NULL),
	COL("start_date", "start_date", ET_DATE, R),
	COL("end_date", "end_date", ET_DATE, 0),
	REF("replaces", 0, "subscriptions"),
};

static const struct entity_column pauses_cols[] = {
	REF("subscription_id", R | K, "subscriptions"),
	REF("account_id", 0, "accounts"),
	COL("start_date", "start_date", ET_DATE, R | K),
	COL("end_date", "end_date", ET_DATE, 0),
};

static const struct entity_column invoices_cols[] = {
	COL("invoice_id", "invoice_id", ET_ID, R | K | H),
	{ "account_id", "account_id", ET_ID, R | H, NULL, "accounts", NULL,
	    0, 0 },
	COL("issue_date", "issue_date", ET_DATE, R | H),
	COL("due_date", "due_date", ET_DATE, R | H),
	COL("currency", "currency", ET_CURRENCY, H),
	INT("line_no", K, 1, 1000000),
	REF("sku", 0, "products"),
	COL("description", "description", ET_TEXT, 0),
	COL("quantity", "quantity_micro", ET_QUANTITY, 0),
	COL("unit_price", "unit_price_micro", ET_PRICE, EC_SIGNED),
	COL("discount_pct", "discount_pct_micro", ET_PERCENT, 0),
	COL("amount", "amount_minor", ET_MONEY, R | EC_SIGNED),
	DFLT("tax_amount", "tax_amount_minor", ET_MONEY, EC_SIGNED, "0"),
	COL("service_start", "service_start", ET_DATE, 0),
	COL("service_end", "service_end", ET_DATE, 0),
	ENUM("status", H, "open|paid|void", "open"),
};

static const struct entity_column payments_cols[] = {
	COL("payment_id", "payment_id", ET_ID, R | K),
	REF("account_id", R, "accounts"),
	COL("received_on", "received_on", ET_DATE, R),
	COL("amount", "amount_minor", ET_MONEY, R | EC_REFUNDED),
	COL("currency", "currency", ET_CURRENCY, 0),
	COL("method", "method", ET_TEXT, 0),
	REF("invoice_id", 0, "invoices"),
	COL("reference", "reference", ET_TEXT, 0),
	REF("refund_of", 0, "payments"),
};

static const struct entity_column usage_cols[] = {
	COL("event_id", "event_id", ET_ID, R | K),
	REF("account_id", R, "accounts"),
	REF("sku", R, "products"),
	COL("quantity", "quantity_micro", ET_QUANTITY, R),
	COL("used_on", "used_on", ET_DATE, R),
};

static const struct entity_column users_cols[] = {
	COL("user_id", "user_id", ET_ID, R | K),
	REF("account_id", R, "accounts"),
	COL("activated_on", "activated_on", ET_DATE, R),
	COL("deactivated_on", "deactivated_on", ET_DATE, 0),
};

static const struct entity_column spend_cols[] = {
	COL("month", "month", ET_MONTH, R | K),
	ENUM("kind", R | K, "marketing|sales", NULL),
	COL("channel", "channel", ET_TEXT, K),
	COL("amount", "amount_minor", ET_MONEY, R),
	COL("currency", "currency", ET_CURRENCY, 0),
};

static const struct entity_column csat_cols[] = {
	COL("response_id", "response_id", ET_ID, R | K),
	REF("account_id", 0, "accounts"),
	COL("responded_on", "responded_on", ET_DATE, R),
	INT("score", R, 1, 5),
};

static const struct entity_column fx_rates_cols[] = {
	COL("currency", "currency", ET_CURRENCY, R | K),
	COL("rate_date", "rate_date", ET_DATE, R | K),
	COL("rate", "rate_pico", ET_RATE, R),
};

static const struct entity_column tax_rates_cols[] = {
	COL("region", "region", ET_ID, R | K),
	COL("rate", "rate_micro", ET_PERCENT, R),
};

static const struct entity_order no_order[] = { { NULL, NULL, 0 } };
static const struct entity_when no_when[] = { { NULL, NULL, NULL, 0 } };
static const struct entity_when products_when[] = {
	{ "billing_period", "kind", "recurring", 1 },
	{ "usage_aggregation", "kind", "usage", 0 },
	{ NULL, NULL, NULL, 0 } };
static const struct entity_when prices_when[] = {
	{ "flat_fee", "model", "volume|graduated", 0 },
	{ NULL, NULL, NULL, 0 } };
static const struct entity_order prices_order[] = {
	{ "effective_to", "effective_from", 0 }, { NULL, NULL, 0 } };
static const struct entity_order leads_order[] = {
	{ "converted_on", "created_on", 1 }, { NULL, NULL, 0 } };
static const struct entity_order opportunities_order[] = {
	{ "close_date", "created_on", 1 }, { NULL, NULL, 0 } };
static const struct entity_order term_order[] = {
	{ "end_date", "start_date", 0 }, { NULL, NULL, 0 } };
static const struct entity_order invoices_order[] = {
	{ "due_date", "issue_date", 1 },
	{ "service_end", "service_start", 0 }, { NULL, NULL, 0 } };
static const struct entity_order users_order[] = {
	{ "deactivated_on", "activated_on", 1 }, { NULL, NULL, 0 } };

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ENTITY(name, cols, order, desc) \
	{ #name, #name, NULL, NULL, cols, N(cols), order, no_when, desc, \
	    NULL, NULL, NULL, NULL }

const struct entity entity_table[] = {
	ENTITY(settings, settings_cols, no_order,
	    "key/value settings (base_currency, billing_day, ...)"),
	ENTITY(accounts, accounts_cols, no_order, "customer accounts"),
	{ "products", "products", NULL, NULL, products_cols, N(products_cols),
	    no_order, products_when,
	    "what is sold: one-time, recurring or usage", NULL, NULL, NULL,
	    NULL },
	{ "prices", "prices", NULL, NULL, prices_cols, N(prices_cols),
	    prices_order, prices_when,
	    "the price book: tiers per sku and currency", NULL, NULL, NULL,
	    NULL },
	ENTITY(rules, rules_cols, no_order, "quoting rules and approvers"),
	{ "stages", "stages", NULL, NULL, stages_cols, N(stages_cols),
	    no_order, no_when, "opportunity stages", "position",
	    "position", NULL, NULL },
	ENTITY(leads, leads_cols, leads_order, "leads"),
	ENTITY(opportunities, opportunities_cols, opportunities_order,
	    "sales opportunities"),
	{ "stage_history", "stage_history", NULL, NULL, stage_history_cols,
	    N(stage_history_cols), no_order, no_when,
	    "opportunity stage changes", NULL, NULL, "opportunity_id", NULL },
	ENTITY(contracts, contracts_cols, term_order, "contracts"),
	ENTITY(subscriptions, subscriptions_cols, term_order,
	    "recurring subscriptions"),
	{ "pauses", "pauses", NULL, NULL, pauses_cols, N(pauses_cols),
	    term_order, no_when, "pauses of subscriptions (not billed)", NULL,
	    NULL, "subscription_id", NULL },
	{ "invoices", "invoice_lines", "invoices", "invoice_id",
	    invoices_cols, N(invoices_cols), invoices_order, no_when,
	    "invoices, one row per line", NULL, NULL, NULL, NULL },
	{ "payments", "payments", NULL, NULL, payments_cols, N(payments_cols),
	    no_order, no_when, "payments received", NULL, NULL, NULL,
	    "payments_open" },
	ENTITY(usage, usage_cols, no_order, "metered usage events"),
	ENTITY(users, users_cols, users_order, "product users (adoption)"),
	ENTITY(spend, spend_cols, no_order, "sales and marketing spend"),
	ENTITY(csat, csat_cols, no_order, "satisfaction survey responses"),
	ENTITY(fx_rates, fx_rates_cols, no_order,
	    "exchange rates to the base currency"),
	ENTITY(tax_rates, tax_rates_cols, no_order,
	    "sales tax rates per region"),
};
const size_t entity_count = N(entity_table);

const struct entity *
entity_find(const char *name)
{
	for (size_t i = 0; i < entity_count; i++)
		if (strcmp(entity_table[i].name, name) == 0)
			return &entity_table[i];
	return NULL;
}

int
entity_column_index(const struct entity *e, const char *name)
{
	for (size_t i = 0; i < e->ncolumn; i++)
		if (strcmp(e->column[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct entity_column *
entity_ref_key(const struct entity *e)
{
	for (size_t i = 0; i < e->ncolumn; i++)
		if (e->column[i].flags & EC_KEY)
			return &e->column[i];
	return NULL;
}

int
entity_enum_has(const char *values, const char *v, size_t len)
{
	const char *p = values;

	for (;;) {
		const char *bar = strchr(p, '|');
		size_t n = bar != NULL ? (size_t)(bar - p) : strlen(p);

		if (n == len && memcmp(p, v, len) == 0)
			return 1;
		if (bar == NULL)
			return 0;
		p = bar + 1;
	}
}

static const struct entity_setting settings[] = {
	{ "base_currency", ET_CURRENCY, 0, 0, NULL },
	{ "billing_day", ET_INT, 1, 28, NULL },
	{ "payment_terms_days", ET_INT, 0, 365, NULL },
	{ "fiscal_year_start_month", ET_INT, 1, 12, NULL },
	{ "fiscal_year_named_by", ET_ENUM, 0, 0, "end|start" },
	{ "period_alignment", ET_ENUM, 0, 0, "subscription|calendar" },
	{ "company_name", ET_TEXT, 0, 0, NULL },
	{ "company_address", ET_TEXT, 0, 0, NULL },
	{ "company_tax_id", ET_TEXT, 0, 0, NULL },
};
const char entity_setting_keys[] =
    "base_currency|billing_day|payment_terms_days|fiscal_year_start_month|"
    "fiscal_year_named_by|period_alignment|company_name|company_address|"
    "company_tax_id";

const struct entity_setting *
entity_setting_find(const char *key, size_t len)
{
	for (size_t i = 0; i < N(settings); i++)
		if (strlen(settings[i].key) == len &&
		    memcmp(settings[i].key, key, len) == 0)
			return &settings[i];
	return NULL;
}

void
entity_one_of(char *buf, size_t size, const char *values)
{
	const char *last = strrchr(values, '|');
	size_t n = 0;

	for (const char *p = values; *p != '\0' && n + 4 < size; p++)
		if (*p != '|')
			buf[n++] = *p;
		else if (p == last) {
			memcpy(buf + n, " or ", 4);
			n += 4;
		} else {
			memcpy(buf + n, ", ", 2);
			n += 2;
		}
	buf[n] = '\0';
}
