/*
 * The sales pipeline.  The verbs that change the database (convert, move)
 * check every record first and write nothing when one is wrong; the
 * reports (funnel, forecast, velocity) read the opportunities and their
 * stage history once and do the arithmetic here, in integers, with one
 * rounding per figure shown.
 *
 * Funnel: the funnel's steps are the open stages and the won stage, in
 * position order.  An opportunity has entered a step when its history
 * has a row for it, or when it was seen at a later step: an opportunity
 * imported at "proposal" with no history has passed prospecting and
 * qualification too, on the day it was first seen later (its first later
 * history row, else its created_on); such entries are counted in the
 * `implied` column.  A lost opportunity without history has entered the
 * first step only.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csv.h"
#include "date.h"
#include "db.h"
#include "entity.h"
#include "export.h"
#include "fx.h"
#include "money.h"
#include "pipeline.h"

/* ---- SQL ------------------------------------------------------------------ */

static const char sql_lead[] =
    "SELECT status, company, account_id, created_on, opportunity_id "
    "FROM leads WHERE lead_id = ?1";
static const char sql_qualified[] =
    "SELECT lead_id FROM leads WHERE status = 'qualified' ORDER BY lead_id";
static const char sql_first_open_stage[] =
    "SELECT stage FROM stages WHERE is_closed = 0 ORDER BY position LIMIT 1";
static const char sql_new_account[] =
    "INSERT INTO accounts (account_id, name, currency, created_on) "
    "VALUES (?1, ?2, ?3, ?4)";
static const char sql_account_currency[] =
    "SELECT currency FROM accounts WHERE account_id = ?1";
static const char sql_new_opportunity[] =
    "INSERT INTO opportunities (opportunity_id, account_id, name, type, "
    "stage, currency, created_on, lead_id) "
    "VALUES (?1, ?2, ?3, 'new', ?4, ?5, ?6, ?7)";
static const char sql_new_history[] =
    "INSERT INTO stage_history (opportunity_id, account_id, stage, "
    "changed_on) SELECT opportunity_id, account_id, ?2, ?3 "
    "FROM opportunities WHERE opportunity_id = ?1";
static const char sql_lead_converted[] =
    "UPDATE leads SET status = 'converted', converted_on = ?2, "
    "account_id = ?3, opportunity_id = ?4 WHERE lead_id = ?1";
static const char sql_opportunity[] =
    "SELECT o.stage, s.is_closed, o.created_on, (SELECT max(changed_on) "
    "FROM stage_history h WHERE h.opportunity_id = o.opportunity_id) "
    "FROM opportunities o JOIN stages s ON s.stage = o.stage "
    "WHERE o.opportunity_id = ?1";
static const char sql_entered_that_day[] =
    "SELECT 1 FROM stage_history WHERE opportunity_id = ?1 AND stage = ?2 "
    "AND changed_on = ?3";
static const char sql_stage[] =
    "SELECT is_closed, is_won, position FROM stages WHERE stage = ?1";
/* Entering a closed stage closes it that day; reopening forgets the day. */
static const char sql_move[] =
    "UPDATE opportunities SET stage = ?2, close_date = CASE "
    "WHEN ?3 = 1 THEN ?4 WHEN ?5 = 1 THEN NULL ELSE close_date END "
    "WHERE opportunity_id = ?1";
static const char sql_list[] =
    "SELECT o.opportunity_id FROM opportunities o "
    "JOIN accounts a USING (account_id) JOIN stages s ON s.stage = o.stage "
    "WHERE (?1 IS NULL OR o.stage = ?1) AND (?2 IS NULL OR o.owner = ?2) "
    "AND (?3 IS NULL OR o.type = ?3) AND (?4 = 0 OR s.is_closed = 0) "
    "AND (?5 IS NULL OR o.close_date >= ?5) "
    "AND (?6 IS NULL OR o.close_date <= ?6) "
    "AND (?7 IS NULL OR a.segment = ?7)";
/* NULLS FIRST: SQLite's order, which PostgreSQL follows only when told. */
static const char sql_won[] =
    "SELECT o.opportunity_id, o.account_id, a.name, a.currency, o.name, "
    "o.type, o.amount_minor, o.currency, o.close_date, o.owner "
    "FROM opportunities o JOIN accounts a USING (account_id) "
    "JOIN stages s ON s.stage = o.stage "
    "WHERE s.is_won = 1 AND (?1 IS NULL OR o.close_date >= ?1) "
    "ORDER BY o.close_date NULLS FIRST, o.opportunity_id";
static const char sql_stages[] =
    "SELECT stage, is_closed, is_won, probability_micro, position "
    "FROM stages ORDER BY position";
static const char sql_funnel_opportunities[] =
    "SELECT o.opportunity_id, o.stage, o.created_on, CASE ?1 "
    "WHEN 'owner' THEN o.owner WHEN 'segment' THEN a.segment "
    "WHEN 'source' THEN l.source END AS grp "
    "FROM opportunities o JOIN accounts a USING (account_id) "
    "LEFT JOIN leads l ON l.lead_id = o.lead_id "
    "ORDER BY grp NULLS FIRST, o.opportunity_id";
static const char sql_history[] =
    "SELECT stage, changed_on FROM stage_history WHERE opportunity_id = ?1 "
    "ORDER BY changed_on, history_id";
static const char sql_forecast[] =
    "SELECT o.amount_minor, o.currency, o.close_date, s.is_closed, "
    "s.is_won, s.probability_micro, s.position, o.opportunity_id "
    "FROM opportunities o JOIN stages s ON s.stage = o.stage "
    "WHERE o.close_date >= ?1 AND o.close_date <= ?2 "
    "ORDER BY o.opportunity_id";
/* In the order of their ids, so that a sum that overflows, or a rate
 * missing, is told of the same opportunity on every backend. */
static const char sql_velocity[] =
    "SELECT o.amount_minor, o.currency, o.created_on, o.close_date, "
    "s.is_closed, s.is_won, o.opportunity_id FROM opportunities o "
    "JOIN stages s ON s.stage = o.stage WHERE o.created_on <= ?1 "
    "ORDER BY o.opportunity_id";

/* ---- small helpers ---------------------------------------------------------- */

static int
write_opportunities(struct db *db, const struct out_opts *oo)
{
	return export_rows(db, entity_find("opportunities"), oo, "out_keys")
	    == 0 ? CLI_OK : CLI_EIO;
}

static const char *
where(unsigned long line)
{
	return line > 0 ? "stdin" : NULL;
}

/* ---- convert ----------------------------------------------------------------- */

struct convert {
	struct db *db;
	int32_t on;
	char first_stage[ENTITY_ID_MAX + 1];
	struct db_stmt *lead, *new_account,
	    *account_currency, *new_opportunity, *new_history, *converted;
	struct db_ids account_ids, opportunity_ids;
	char base[4];
	long converted_count, new_accounts;
};

static int
convert_one(void *arg, const struct csv_field *f, unsigned long line)
{
	struct convert *cv = arg;
	char lead[ENTITY_ID_MAX + 1], account[ENTITY_ID_MAX + 1];
	char opp[64], onbuf[DATE_FMT_MAX], currency[4];
	const char *company;	/* the lead row's, until it is reset */
	const char *status;
	int32_t created;
	int rc;

	if ((rc = csv_id(cli_data_error, where(line), line, "lead_id", &f[0],
	    0, lead)) != 1)
		return rc;
	db_bind_text(cv->lead, 1, lead);
	if (!db_row(cv->lead)) {
		db_reset(cv->lead);
		return cli_data_error(where(line), line, NULL, "lead '%s' does "
		    "not exist", lead) ? 0 : -1;
	}
	status = db_text(cv->lead, 0);
	if (strcmp(status, "qualified") != 0) {
		int more = strcmp(status, "converted") == 0 ?
		    cli_data_error(where(line), line, NULL, "lead '%s' is "
		    "already converted (to opportunity '%s')", lead,
		    db_text(cv->lead, 4)) :
		    cli_data_error(where(line), line, NULL, "lead '%s' is not "
		    "qualified (its status is %s)", lead, status);

		db_reset(cv->lead);
		return more ? 0 : -1;
	}
	company = db_text(cv->lead, 1);
	snprintf(account, sizeof(account), "%s", db_text(cv->lead, 2));
	created = db_day(cv->lead, 3);
	if (account[0] == '\0' && company[0] == '\0')
		rc = cli_data_error(where(line), line, NULL, "lead '%s' has "
		    "neither an account nor a company to make one from",
		    lead) ? 0 : -1;
	else if (created != DATE_NONE && cv->on < created) {
		date_format(onbuf, cv->on);
		rc = cli_data_error(where(line), line, NULL, "lead '%s' "
		    "cannot be converted on %s, before it was created", lead,
		    onbuf) ? 0 : -1;
	}
	if (rc != 1) {
		db_reset(cv->lead);
		return rc;
	}
	date_format(onbuf, cv->on);
	memcpy(currency, cv->base, 4);
	if (account[0] == '\0') {
		db_ids_next(cv->db, &cv->account_ids, account,
		    sizeof(account));
		db_bind_text(cv->new_account, 1, account);
		db_bind_text(cv->new_account, 2, company);
		db_bind_text(cv->new_account, 3, currency);
		db_bind_text(cv->new_account, 4, onbuf);
		db_done(cv->new_account);
		cv->new_accounts++;
	} else {
		db_bind_text(cv->account_currency, 1, account);
		if (db_row(cv->account_currency))
			snprintf(currency, sizeof(currency), "%s",
			    db_text(cv->account_currency, 0));
		db_reset(cv->account_currency);
		if (company[0] == '\0')
			company = account;
	}
	db_ids_next(cv->db, &cv->opportunity_ids, opp, sizeof(opp));
	db_bind_text(cv->new_opportunity, 1, opp);
	db_bind_text(cv->new_opportunity, 2, account);
	db_bind_text(cv->new_opportunity, 3, company);
	db_reset(cv->lead);
	db_bind_text(cv->new_opportunity, 4, cv->first_stage);
	db_bind_text(cv->new_opportunity, 5, currency);
	db_bind_text(cv->new_opportunity, 6, onbuf);
	db_bind_text(cv->new_opportunity, 7, lead);
	db_done(cv->new_opportunity);
	db_bind_text(cv->new_history, 1, opp);
	db_bind_text(cv->new_history, 2, cv->first_stage);
	db_bind_text(cv->new_history, 3, onbuf);
	db_done(cv->new_history);
	db_bind_text(cv->converted, 1, lead);
	db_bind_text(cv->converted, 2, onbuf);
	db_bind_text(cv->converted, 3, account);
	db_bind_text(cv->converted, 4, opp);
	db_done(cv->converted);
	db_keys_add(cv->db, opp);
	cv->converted_count++;
	return 0;
}

static int
convert_qualified(struct convert *cv)
{
	struct db_stmt *st = db_prepare(cv->db, sql_qualified);
	char **ids = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	/* Read the ids first: converting changes the rows being read. */
	while (db_row(st)) {
		ids = cli_grow(ids, &cap, n + 1, sizeof(*ids));
		ids[n++] = cli_strdup(db_text(st, 0));
	}
	db_finalize(st);
	for (size_t i = 0; i < n; i++) {
		struct csv_field f = { ids[i], strlen(ids[i]) };

		if (rc == 0)
			rc = convert_one(cv, &f, 0);
		free(ids[i]);
	}
	free(ids);
	return rc;
}

static void
convert_finish(struct convert *cv)
{
	db_finalize(cv->lead);
	db_finalize(cv->new_account);
	db_finalize(cv->account_currency);
	db_finalize(cv->new_opportunity);
	db_finalize(cv->new_history);
	db_finalize(cv->converted);
}

int
pipeline_convert(struct db *db, const struct csv_input *in,
    int all_qualified, int32_t on, const struct out_opts *oo,
    const char *arguments)
{
	static const char *const columns[] = { "lead_id" };
	struct convert cv = { .db = db, .on = on,
	    .account_ids = { "accounts", "account_id", "ACC", 0 },
	    .opportunity_ids = { "opportunities", "opportunity_id", "OPP", 0 } };
	struct db_changes ch = { .n = 0 };
	struct csv_rows rows = { 0 };
	struct db_stmt *st;

	if (!all_qualified && csv_collect(in, cli_data_error, columns, 1, 1,
	    1, &rows) != 0) {
		csv_rows_free(&rows);
		return db_finish(db, "convert", arguments, &ch);
	}
	db_begin(db);
	st = db_prepare(db, sql_first_open_stage);
	if (!db_row(st))
		cli_die(CLI_EDATA, "the stages table has no open stage");
	snprintf(cv.first_stage, sizeof(cv.first_stage), "%s", db_text(st, 0));
	db_finalize(st);
	if (db_setting(db, "base_currency", cv.base, sizeof(cv.base)) == NULL)
		memcpy(cv.base, "USD", 4);
	cv.lead = db_prepare(db, sql_lead);
	cv.new_account = db_prepare(db, sql_new_account);
	cv.account_currency = db_prepare(db, sql_account_currency);
	cv.new_opportunity = db_prepare(db, sql_new_opportunity);
	cv.new_history = db_prepare(db, sql_new_history);
	cv.converted = db_prepare(db, sql_lead_converted);
	db_keys_open(db);
	if (all_qualified)
		convert_qualified(&cv);
	else
		csv_rows_each(&rows, convert_one, &cv);
	csv_rows_free(&rows);
	convert_finish(&cv);
	db_ids_done(db, &cv.account_ids);
	db_ids_done(db, &cv.opportunity_ids);
	db_changes_add(&ch, "accounts", cv.new_accounts, 0, 0);
	db_changes_add(&ch, "opportunities", cv.converted_count, 0, 0);
	db_changes_add(&ch, "stage_history", cv.converted_count, 0, 0);
	db_changes_add(&ch, "leads", 0, cv.converted_count, 0);
	if (cli_data_errors() == 0)
		write_opportunities(db, oo);
	return db_finish(db, "convert", arguments, &ch);
}

/* ---- move -------------------------------------------------------------------- */

struct move {
	struct db *db;
	int32_t on;
	int reopen;
	struct db_stmt *opportunity, *stage, *history, *update, *same_day;
	long moved;
};

static int
move_one(void *arg, const struct csv_field *f, unsigned long line)
{
	struct move *mv = arg;
	char opp[ENTITY_ID_MAX + 1], stage[ENTITY_ID_MAX + 1];
	char cur[ENTITY_ID_MAX + 1], daybuf[DATE_FMT_MAX];
	const char *daytext = f[2].s != NULL && f[2].len > 0 ? f[2].s : NULL;
	int32_t day = mv->on, created, last;
	int cur_closed, closed, rc;
	const char *loc = where(line);

	if ((rc = csv_id(cli_data_error, loc, line, "opportunity_id", &f[0], 0,
	    opp)) != 1 ||
	    (rc = csv_id(cli_data_error, loc, line, "stage", &f[1], 0,
	    stage)) != 1)
		return rc;
	if (daytext != NULL && date_parse(daytext, f[2].len, &day))
		return cli_data_error(loc, line, "changed_on", "'%s' is not a "
		    "date (YYYY-MM-DD)", daytext) ? 0 : -1;
	db_bind_text(mv->stage, 1, stage);
	if (!db_row(mv->stage)) {
		db_reset(mv->stage);
		return cli_data_error(loc, line, NULL, "'%s' is not a stage "
		    "(revops-pipeline stages lists them)", stage) ? 0 : -1;
	}
	closed = db_int(mv->stage, 0);
	db_reset(mv->stage);
	db_bind_text(mv->opportunity, 1, opp);
	if (!db_row(mv->opportunity)) {
		db_reset(mv->opportunity);
		return cli_data_error(loc, line, NULL, "opportunity '%s' does "
		    "not exist", opp) ? 0 : -1;
	}
	snprintf(cur, sizeof(cur), "%s", db_text(mv->opportunity, 0));
	cur_closed = db_int(mv->opportunity, 1);
	created = db_day(mv->opportunity, 2);
	last = db_day(mv->opportunity, 3);
	db_reset(mv->opportunity);
	if (strcmp(cur, stage) == 0)
		return 0;	/* already there: nothing to record */
	if (last == DATE_NONE || (created != DATE_NONE &&
	    created > last))
		last = created;
	if (last != DATE_NONE && day < last) {
		char a[DATE_FMT_MAX], b[DATE_FMT_MAX];

		date_format(a, day);
		date_format(b, last);
		return cli_data_error(loc, line, NULL, "opportunity '%s': %s is "
		    "before its last change (%s)", opp, a, b) ? 0 : -1;
	}
	if (cur_closed && !mv->reopen)
		return cli_data_error(loc, line, NULL, "opportunity '%s' is "
		    "closed (%s); --reopen moves it out", opp, cur) ? 0 : -1;
	date_format(daybuf, day);
	db_bind_text(mv->same_day, 1, opp);
	db_bind_text(mv->same_day, 2, stage);
	db_bind_text(mv->same_day, 3, daybuf);
	rc = db_row(mv->same_day);
	db_reset(mv->same_day);
	if (rc)
		return cli_data_error(loc, line, NULL, "opportunity '%s' already "
		    "entered %s on %s (the history keeps one entry per stage "
		    "and day)", opp, stage, daybuf) ? 0 : -1;
	db_bind_text(mv->history, 1, opp);
	db_bind_text(mv->history, 2, stage);
	db_bind_text(mv->history, 3, daybuf);
	db_done(mv->history);
	db_bind_text(mv->update, 1, opp);
	db_bind_text(mv->update, 2, stage);
	db_bind_int(mv->update, 3, closed);
	db_bind_text(mv->update, 4, daybuf);
	db_bind_int(mv->update, 5, cur_closed && !closed);
	db_done(mv->update);
	db_keys_add(mv->db, opp);
	mv->moved++;
	return 0;
}

int
pipeline_move(struct db *db, const struct csv_input *in, int32_t on,
    int reopen, const struct out_opts *oo, const char *arguments)
{
	static const char *const columns[] = { "opportunity_id", "stage",
	    "changed_on" };
	struct move mv = { .db = db, .on = on, .reopen = reopen };
	struct db_changes ch = { .n = 0 };
	struct csv_rows rows;

	if (csv_collect(in, cli_data_error, columns, 3, 2, 2, &rows) != 0) {
		csv_rows_free(&rows);
		return db_finish(db, "move", arguments, &ch);
	}
	db_begin(db);
	mv.opportunity = db_prepare(db, sql_opportunity);
	mv.stage = db_prepare(db, sql_stage);
	mv.history = db_prepare(db, sql_new_history);
	mv.update = db_prepare(db, sql_move);
	db_keys_open(db);
	mv.same_day = db_prepare(db, sql_entered_that_day);
	csv_rows_each(&rows, move_one, &mv);
	csv_rows_free(&rows);
	db_finalize(mv.same_day);
	db_finalize(mv.opportunity);
	db_finalize(mv.stage);
	db_finalize(mv.history);
	db_finalize(mv.update);
	db_changes_add(&ch, "stage_history", mv.moved, 0, 0);
	db_changes_add(&ch, "opportunities", 0, mv.moved, 0);
	if (cli_data_errors() == 0)
		write_opportunities(db, oo);
	return db_finish(db, "move", arguments, &ch);
}

/* ---- list, won, stages ------------------------------------------------------- */

int
pipeline_list(struct db *db, const struct pipeline_filter *f,
    const struct out_opts *oo)
{
	struct db_stmt *st;

	if (f->stage != NULL) {
		st = db_prepare(db, sql_stage);
		db_bind_text(st, 1, f->stage);
		if (!db_row(st))
			cli_usage_error("'%s' is not a stage (revops-pipeline "
			    "stages lists them)", f->stage);
		db_finalize(st);
	}
	db_keys_open(db);
	st = db_prepare(db, sql_list);
	db_bind_text(st, 1, f->stage);
	db_bind_text(st, 2, f->owner);
	db_bind_text(st, 3, f->type);
	db_bind_int(st, 4, f->open_only);
	db_bind_day(st, 5, f->closing_from);
	db_bind_day(st, 6, f->closing_to);
	db_bind_text(st, 7, f->segment);
	while (db_row(st))
		db_keys_add(db, db_text(st, 0));
	db_finalize(st);
	return write_opportunities(db, oo);
}

static void
out_money(struct out *o, struct db_stmt *st, int i, const char *currency)
{
	const struct currency *c = money_currency(currency, strlen(currency));

	if (db_null(st, i) || c == NULL) {
		out_null(o);
		return;
	}
	out_decimal(o, db_int(st, i), c->exponent);
}

int
pipeline_won(struct db *db, int32_t since, const struct out_opts *oo)
{
	static const char *const names[] = { "opportunity_id", "account_id",
	    "account_name", "account_currency", "name", "type", "amount",
	    "currency", "close_date", "owner" };
	struct db_stmt *st = db_prepare(db, sql_won);
	struct out *o = out_new(stdout, oo, names, 10);

	db_bind_day(st, 1, since);
	while (db_row(st)) {
		for (int i = 0; i < 6; i++)
			export_column(o, st, i);
		out_money(o, st, 6, db_text(st, 7));
		for (int i = 7; i < 10; i++)
			export_column(o, st, i);
		out_end_row(o);
	}
	db_finalize(st);
	return out_close(o) == 0 ? CLI_OK : CLI_EIO;
}

int
pipeline_stages(struct db *db, const struct out_opts *oo)
{
	return export_rows(db, entity_find("stages"), oo, NULL) == 0 ?
	    CLI_OK : CLI_EIO;
}

/* ---- the stage table, for the reports ------------------------------------------ */

struct stage_info {
	char name[ENTITY_ID_MAX + 1];
	int closed, won, position, funnel;	/* funnel index or -1 */
	int64_t probability;			/* percent x 10^6 */
};

struct stages {
	struct stage_info s[FUNNEL_MAX * 2];
	int n;
	int funnel[FUNNEL_MAX];		/* funnel index -> stage */
	int nfunnel;
};

static void
load_stages(struct db *db, struct stages *ss)
{
	struct db_stmt *st = db_prepare(db, sql_stages);

	ss->n = ss->nfunnel = 0;
	while (db_row(st)) {
		struct stage_info *s;

		if (ss->n == FUNNEL_MAX * 2 || ss->nfunnel == FUNNEL_MAX)
			cli_die(CLI_EDATA, "more than %d stages", FUNNEL_MAX);
		s = &ss->s[ss->n];
		snprintf(s->name, sizeof(s->name), "%s", db_text(st, 0));
		s->closed = db_int(st, 1);
		s->won = db_int(st, 2);
		s->probability = db_int(st, 3);
		s->position = db_int(st, 4);
		s->funnel = -1;
		if (!s->closed || s->won) {
			s->funnel = ss->nfunnel;
			ss->funnel[ss->nfunnel++] = ss->n;
		}
		ss->n++;
	}
	db_finalize(st);
}

static const struct stage_info *
find_stage(const struct stages *ss, const char *name)
{
	for (int i = 0; i < ss->n; i++)
		if (strcmp(ss->s[i].name, name) == 0)
			return &ss->s[i];
	return NULL;
}

/* ---- funnel ------------------------------------------------------------------- */

void
pipeline_funnel_path(size_t nstages, const struct funnel_event *hist,
    size_t nhist, int current, int32_t created_on, struct funnel_path *p)
{
	p->reached = current;	/* -1 when it is lost */
	for (size_t k = 0; k < nstages; k++) {
		p->entered[k] = DATE_NONE;
		p->implied[k] = 0;
		p->days[k] = -1;
	}
	for (size_t i = 0; i < nhist; i++) {
		int k = hist[i].stage;

		if (k < 0)
			continue;
		if (k > p->reached)
			p->reached = k;
		if (p->entered[k] == DATE_NONE) {
			p->entered[k] = hist[i].day;
			if (i + 1 < nhist)
				p->days[k] = hist[i + 1].day - hist[i].day;
		}
	}
	if (p->reached < 0)
		p->reached = 0;	/* lost, and nothing says how far it got */
	/* Steps passed without a history row: entered when first seen past
	 * them, else when created. */
	for (int k = p->reached; k >= 0; k--) {
		int32_t seen = created_on;

		if (p->entered[k] != DATE_NONE)
			continue;
		for (size_t i = 0; i < nhist; i++)
			if (hist[i].stage > k) {
				seen = hist[i].day;
				break;
			}
		p->entered[k] = seen;
		p->implied[k] = 1;
	}
}

int64_t
pipeline_median_tenths(int32_t *days, size_t n)
{
	size_t i, j;

	/* insertion sort: one stage's list in one group is short */
	for (i = 1; i < n; i++) {
		int32_t v = days[i];

		for (j = i; j > 0 && days[j - 1] > v; j--)
			days[j] = days[j - 1];
		days[j] = v;
	}
	if (n % 2 == 1)
		return (int64_t)days[n / 2] * 10;
	return ((int64_t)days[n / 2 - 1] + days[n / 2]) * 5;
}

struct funnel_acc {
	long entered, implied, to_next, to_won;
	int32_t *days;
	size_t ndays, capdays;
};

static void
acc_day(struct funnel_acc *a, int32_t d)
{
	a->days = cli_grow(a->days, &a->capdays, a->ndays + 1,
	    sizeof(*a->days));
	a->days[a->ndays++] = d;
}

static void
out_ratio(struct out *o, long num, long den)
{
	int64_t v;

	if (den == 0 || money_div((__int128)num * 10000, den, &v) != MONEY_OK) {
		out_null(o);
		return;
	}
	out_decimal(o, v, 4);
}

static void
funnel_emit(struct out *o, const struct stages *ss, const char *group,
    int by, struct funnel_acc *acc)
{
	int won = -1;

	for (int k = 0; k < ss->nfunnel; k++)
		if (ss->s[ss->funnel[k]].won)
			won = k;
	for (int k = 0; k < ss->nfunnel; k++) {
		const struct stage_info *s = &ss->s[ss->funnel[k]];
		struct funnel_acc *a = &acc[k];

		if (by)
			out_text(o, group ? group : "", group ? strlen(group) :
			    0);
		out_text(o, s->name, strlen(s->name));
		out_long(o, s->position);
		out_long(o, a->entered);
		out_long(o, a->implied);
		if (k + 1 < ss->nfunnel) {
			out_long(o, a->to_next);
			out_ratio(o, a->to_next, a->entered);
		} else {
			out_null(o);
			out_null(o);
		}
		out_long(o, won >= 0 ? a->to_won : 0);
		out_ratio(o, a->to_won, won >= 0 ? a->entered : 0);
		if (a->ndays > 0)
			out_decimal(o, pipeline_median_tenths(a->days,
			    a->ndays), 1);
		else
			out_null(o);
		out_end_row(o);
		free(a->days);
		memset(a, 0, sizeof(*a));
	}
}

static void
funnel_count(const struct stages *ss, const struct funnel_path *p,
    int32_t from, int32_t to, struct funnel_acc *acc)
{
	int won = -1;

	for (int k = 0; k < ss->nfunnel; k++)
		if (ss->s[ss->funnel[k]].won)
			won = k;
	for (int k = 0; k <= p->reached && k < ss->nfunnel; k++) {
		struct funnel_acc *a = &acc[k];

		if (p->entered[k] < from || p->entered[k] > to)
			continue;
		a->entered++;
		a->implied += p->implied[k];
		a->to_next += p->reached > k;
		a->to_won += won >= 0 && p->reached >= won &&
		    p->entered[won] != DATE_NONE;
		if (p->days[k] >= 0)
			acc_day(a, p->days[k]);
	}
}

int
pipeline_funnel(struct db *db, int32_t from, int32_t to, const char *by,
    const struct out_opts *oo)
{
	static const char *const names[] = { "group", "stage", "position",
	    "entered", "implied", "to_next_stage", "conversion_next",
	    "to_won", "conversion_won", "median_days_in_stage" };
	struct stages ss;
	struct funnel_acc acc[FUNNEL_MAX];
	struct funnel_event *hist = NULL;
	size_t nhist, caphist = 0;
	struct db_stmt *opps, *history;
	char *group = NULL;	/* the group's value, whole, however long */
	int have_group = 0;
	struct out *o;
	const char **cols = (const char **)names;
	const char *first[10];

	load_stages(db, &ss);
	memset(acc, 0, sizeof(acc));
	if (by != NULL) {
		memcpy(first, names, sizeof(first));
		first[0] = by;
		cols = first;
	}
	o = out_new(stdout, oo, by ? cols : cols + 1, by ? 10 : 9);
	opps = db_prepare(db, sql_funnel_opportunities);
	history = db_prepare(db, sql_history);
	db_bind_text(opps, 1, by);
	while (db_row(opps)) {
		const struct stage_info *cur = find_stage(&ss,
		    db_text(opps, 1));
		const char *g = db_text(opps, 3);
		struct funnel_path path;

		if (have_group && by != NULL && strcmp(group, g) != 0) {
			funnel_emit(o, &ss, group, 1, acc);
			free(group);
			group = NULL;
		}
		if (group == NULL)
			group = cli_strdup(g);
		have_group = 1;
		nhist = 0;
		db_bind_text(history, 1, db_text(opps, 0));
		while (db_row(history)) {
			const struct stage_info *s = find_stage(&ss,
			    db_text(history, 0));

			hist = cli_grow(hist, &caphist, nhist + 1,
			    sizeof(*hist));
			hist[nhist].stage = s != NULL ? s->funnel : -1;
			hist[nhist++].day = db_day(history, 1);
		}
		db_reset(history);
		pipeline_funnel_path((size_t)ss.nfunnel, hist, nhist,
		    cur != NULL ? cur->funnel : -1, db_day(opps, 2), &path);
		funnel_count(&ss, &path, from, to, acc);
	}
	if (have_group || by == NULL)
		funnel_emit(o, &ss, group != NULL ? group : "", by != NULL,
		    acc);
	free(group);
	db_finalize(opps);
	db_finalize(history);
	free(hist);
	return out_close(o) == 0 ? CLI_OK : CLI_EIO;
}

/* ---- forecast ----------------------------------------------------------------- */

struct period {
	long open;
	int64_t pipeline, commit, won;
	__int128 weighted;	/* amount x probability x 10^6 percent */
};

/* The number of the month or fiscal quarter that holds day; a quarter's
 * first month is its number x 3 + fy->start - 1. */
static int32_t
period_of(int32_t day, int quarters, const struct date_fiscal *fy)
{
	int32_t m = date_month_of(day);

	return quarters ? (m - (fy->start - 1)) / 3 : m;
}

static int
convert_row(struct fx *fx, struct db_stmt *st, int amount_col, int day_col,
    int64_t *out)
{
	char why[256];
	const char *cur = db_text(st, amount_col + 1);
	int32_t day = db_day(st, day_col);

	*out = 0;
	if (db_null(st, amount_col))
		return 0;
	if (fx_convert(fx, db_int(st, amount_col), cur,
	    day, out, why, sizeof(why)) == 0)
		return 0;
	cli_data_error(NULL, 0, NULL, "%s", why);
	return -1;
}

/* *sum += v, or a data error naming the opportunity (column id) whose
 * amount takes the sum past 64 bits. */
static void
add_amount(struct db_stmt *st, int id, const char *what, int64_t *sum,
    int64_t v)
{
	if (money_add(*sum, v, sum) != MONEY_OK)
		cli_data_error(NULL, 0, NULL, "opportunity '%s': %s does not "
		    "fit in 64 bits with it", db_text(st, id), what);
}

/* a + b for a period's figure, or a data error naming the period. */
static int64_t
period_sum(const char *period, const char *what, int64_t a, int64_t b)
{
	int64_t v = 0;

	if (money_add(a, b, &v) != MONEY_OK)
		cli_data_error(NULL, 0, NULL, "%s: %s does not fit in 64 bits",
		    period, what);
	return v;
}

struct pipeline_forecast *
pipeline_forecast_sums(struct db *db, int quarters, int32_t from, int32_t to,
    const char *commit_stage, const char *currency, size_t *n, int *exp)
{
	struct stages ss;
	const struct stage_info *cs = NULL;
	struct fx *fx;
	struct period *per;
	struct pipeline_forecast *f;
	struct date_fiscal fy = db_fiscal_year(db);
	int32_t p0 = period_of(from, quarters, &fy);
	int32_t p1 = period_of(to, quarters, &fy);
	struct db_stmt *st;

	load_stages(db, &ss);
	if (commit_stage != NULL) {
		if ((cs = find_stage(&ss, commit_stage)) == NULL || cs->closed)
			cli_usage_error("--commit-stage: '%s' is not an open "
			    "stage", commit_stage);
	} else
		for (int i = 0; i < ss.n; i++)
			if (!ss.s[i].closed)
				cs = &ss.s[i];	/* the last open stage */
	if (p1 < p0)
		cli_usage_error("--to is before --from");
	fx = fx_open(db, currency);
	*exp = fx_exponent(fx);
	*n = (size_t)(p1 - p0 + 1);
	per = cli_calloc(*n, sizeof(*per));
	f = cli_calloc(*n, sizeof(*f));
	st = db_prepare(db, sql_forecast);
	db_bind_day(st, 1, from);
	db_bind_day(st, 2, to);
	while (db_row(st)) {
		struct period *p = &per[period_of(db_day(st, 2), quarters,
		    &fy) - p0];
		int closed = db_int(st, 3);
		int won = db_int(st, 4);
		int64_t amount;

		if ((closed && !won) || convert_row(fx, st, 0, 2, &amount) != 0)
			continue;
		if (won) {
			add_amount(st, 7, "the amount won", &p->won, amount);
			continue;
		}
		p->open++;
		add_amount(st, 7, "the pipeline", &p->pipeline, amount);
		/* at most 10^8 x 2^63 a row: 2^126 holds 2^36 of them */
		p->weighted += (__int128)amount * db_int(st, 5);
		if (cs != NULL && db_int(st, 6) >= cs->position)
			add_amount(st, 7, "the commit", &p->commit, amount);
	}
	db_finalize(st);
	fx_close(fx);
	for (size_t i = 0; i < *n; i++) {
		int32_t k = p0 + (int32_t)i;

		date_format_period(f[i].period, quarters ? k * 3 + fy.start -
		    1 : k, quarters ? 3 : 1, &fy);
		f[i].open = per[i].open;
		f[i].pipeline = per[i].pipeline;
		/* probability is percent x 10^6: divide by 10^8; at most
		 * 100 % of the pipeline, which fits */
		money_round(per[i].weighted, 8, &f[i].weighted);
		f[i].commit = period_sum(f[i].period, "the commit",
		    per[i].won, per[i].commit);
		f[i].best_case = period_sum(f[i].period, "the best case",
		    per[i].won, per[i].pipeline);
		f[i].won = per[i].won;
	}
	free(per);
	return f;
}

int
pipeline_forecast(struct db *db, int quarters, int32_t from, int32_t to,
    const char *commit_stage, const char *currency,
    const struct out_opts *oo)
{
	static const char *const names[] = { "period", "open_opportunities",
	    "pipeline", "weighted", "commit", "best_case", "won" };
	struct pipeline_forecast *f;
	size_t n;
	int exp;
	struct out *o;

	f = pipeline_forecast_sums(db, quarters, from, to, commit_stage,
	    currency, &n, &exp);
	if (cli_data_errors() > 0) {
		free(f);
		return CLI_EDATA;
	}
	o = out_new(stdout, oo, names, 7);
	for (size_t i = 0; i < n; i++) {
		out_text(o, f[i].period, strlen(f[i].period));
		out_long(o, f[i].open);
		out_decimal(o, f[i].pipeline, exp);
		out_decimal(o, f[i].weighted, exp);
		out_decimal(o, f[i].commit, exp);
		out_decimal(o, f[i].best_case, exp);
		out_decimal(o, f[i].won, exp);
		out_end_row(o);
	}
	free(f);
	return out_close(o) == 0 ? CLI_OK : CLI_EIO;
}

/* ---- velocity ------------------------------------------------------------------ */

int
pipeline_velocity_per_day(int64_t open, int64_t won_amount, int64_t won,
    int64_t lost, int64_t cycle_days, int64_t *per_day)
{
	__int128 num;

	if (won == 0 || cycle_days == 0)
		return -1;
	if (__builtin_mul_overflow((__int128)open * won_amount, won, &num))
		return -2;
	return money_div(num, (__int128)(won + lost) * cycle_days, per_day) ==
	    MONEY_OK ? 0 : -2;
}

int
pipeline_velocity(struct db *db, int32_t as_of, int window,
    const char *currency, const struct out_opts *oo)
{
	static const char *const names[] = { "as_of", "window_days",
	    "open_opportunities", "won", "lost", "avg_deal_size", "win_rate",
	    "avg_sales_cycle_days", "velocity_per_day" };
	int64_t open = 0, won = 0, lost = 0, won_amount = 0, cycle = 0, v;
	struct db_stmt *st = db_prepare(db, sql_velocity);
	struct fx *fx = fx_open(db, currency);
	int exp = fx_exponent(fx);
	char buf[MONEY_FMT_MAX];
	struct out *o;

	db_bind_day(st, 1, as_of);
	while (db_row(st)) {
		int32_t created = db_day(st, 2), closed_on = db_day(st, 3);
		int closed = db_int(st, 4);
		int is_won = db_int(st, 5);
		int64_t amount;

		if (!closed || (closed_on != DATE_NONE &&
		    closed_on > as_of)) {
			open++;		/* open on the day */
			continue;
		}
		if (closed_on == DATE_NONE || closed_on <= as_of - window)
			continue;	/* closed before the window, or unknown */
		if (!is_won) {
			lost++;
			continue;
		}
		if (convert_row(fx, st, 0, 3, &amount) != 0)
			continue;
		won++;
		add_amount(st, 6, "the amount won", &won_amount, amount);
		cycle += closed_on - created;
	}
	db_finalize(st);
	fx_close(fx);
	if (cli_data_errors() > 0)
		return CLI_EDATA;
	o = out_new(stdout, oo, names, 9);
	out_text(o, buf, date_format(buf, as_of));
	out_long(o, window);
	out_long(o, (long)open);
	out_long(o, (long)won);
	out_long(o, (long)lost);
	if (won > 0 && money_div(won_amount, won, &v) == MONEY_OK)
		out_decimal(o, v, exp);
	else
		out_null(o);
	out_ratio(o, (long)won, (long)(won + lost));
	if (won > 0 && money_div((__int128)cycle * 100, won, &v) == MONEY_OK)
		out_decimal(o, v, 2);
	else
		out_null(o);
	switch (pipeline_velocity_per_day(open, won_amount, won, lost, cycle,
	    &v)) {
	case 0:
		out_decimal(o, v, exp);
		break;
	case -1:
		out_null(o);
		break;
	default:
		cli_die(CLI_EDATA, "the velocity, %ld open x %ld won of %ld "
		    "closed x their average, does not fit in 64 bits",
		    (long)open, (long)won, (long)(won + lost));
	}
	out_end_row(o);
	return out_close(o) == 0 ? CLI_OK : CLI_EIO;
}
