/*
 * revops-invoice: order to cash: billing runs, credit notes, voids,
 * payment application, aging, dunning, revenue schedules and exports.
 */
#include <stdlib.h>
#include <string.h>

#include "ar.h"
#include "billing.h"
#include "cli.h"
#include "date.h"
#include "db.h"
#include "recognition.h"
#include "render.h"

enum {
	OPT_ACCOUNT = CLI_OPT_FIRST_OWN, OPT_AMOUNT, OPT_AS_OF, OPT_BASIS,
	OPT_BY, OPT_CONVERT, OPT_DRY_RUN, OPT_FROM, OPT_LEVELS, OPT_LINE,
	OPT_LINES, OPT_ON, OPT_PERIOD, OPT_REASON, OPT_STATUS, OPT_TO
};

static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "account", required_argument, NULL, OPT_ACCOUNT },
	{ "amount", required_argument, NULL, OPT_AMOUNT },
	{ "as-of", required_argument, NULL, OPT_AS_OF },
	{ "basis", required_argument, NULL, OPT_BASIS },
	{ "by", required_argument, NULL, OPT_BY },
	{ "convert", no_argument, NULL, OPT_CONVERT },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "levels", required_argument, NULL, OPT_LEVELS },
	{ "line", required_argument, NULL, OPT_LINE },
	{ "lines", no_argument, NULL, OPT_LINES },
	{ "on", required_argument, NULL, OPT_ON },
	{ "period", required_argument, NULL, OPT_PERIOD },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "status", required_argument, NULL, OPT_STATUS },
	{ "to", required_argument, NULL, OPT_TO },
	{ NULL, 0, NULL, 0 }
};

static const struct cli_verb verbs[] = {
	{ "run", "--period MONTH [-]", "period on account dry-run", CLI_WRITES,
	    "bill the month: subscription periods starting in it (in advance, "
	    "prorated by days), one-time charges of orders, last month's "
	    "usage; writes the invoice lines it made.  Every account, or only "
	    "those of --account, or with '-' those of the account_id column of "
	    "a CSV on stdin (revops-quote accept's output); plain run never "
	    "reads stdin",
	    "revops-invoice run --period 2026-07 --dry-run" },
	{ "pause", "SUB --from DATE", "from to dry-run", CLI_WRITES,
	    "pause a subscription from DATE (through --to, or until resume): "
	    "no billing, no MRR while paused; writes the pause",
	    "revops-invoice pause S-0030 --from 2026-08-01 --to 2026-08-31" },
	{ "resume", "SUB --on DATE", "on dry-run", CLI_WRITES,
	    "end the subscription's pause: billed again from DATE, prorated by "
	    "days; writes the pause",
	    "revops-invoice resume S-0052 --on 2026-06-01 --dry-run" },
	{ "credit", "INVOICE", "line amount reason on as-of dry-run", CLI_WRITES,
	    "a credit note CN-... against an invoice",
	    "revops-invoice credit INV-2026-000142 --reason 'outage'" },
	{ "void", "[INVOICE...]", "as-of dry-run", CLI_WRITES,
	    "void invoices with no payment applied",
	    "revops-invoice void INV-2026-000142 --dry-run" },
	{ "apply", "", "as-of account convert dry-run", CLI_WRITES,
	    "apply unapplied payments to open invoices",
	    "revops-invoice apply --as-of 2026-07-01 --dry-run" },
	{ "aging", "", "as-of by basis", CLI_READS,
	    "open balances in buckets of days past due",
	    "revops-invoice aging --as-of 2026-07-01 --by segment" },
	{ "dunning", "", "as-of levels", CLI_READS,
	    "overdue invoices with their dunning level",
	    "revops-invoice dunning --as-of 2026-07-01 --levels 30,60,90" },
	{ "schedule", "", "from to", CLI_READS,
	    "revenue recognised per invoice line and month",
	    "revops-invoice schedule --from 2026-04 --to 2026-06" },
	{ "deferred", "", "as-of", CLI_READS,
	    "billed but not yet recognised, per account",
	    "revops-invoice deferred --as-of 2026-06-30" },
	{ "export", "[INVOICE...|-]", "from to account lines status as-of", CLI_READS,
	    "invoices (or --lines) issued in a window, or those named as "
	    "arguments or, with '-', on stdin",
	    "revops-invoice export --from 2026-06 --to 2026-06 --lines" },
	{ "list", "", "status account from to as-of", CLI_READS,
	    "invoices with total, paid, balance, status",
	    "revops-invoice list --status open --as-of 2026-07-01" },
	{ "show", "[INVOICE...]", "as-of", CLI_READS,
	    "the same for these invoices",
	    "revops-invoice show INV-2026-000142 --as-of 2026-07-01" },
	{ "render", "[INVOICE...]", "as-of", CLI_DOCUMENTS,
	    "each invoice as the document the customer receives, a file "
	    "DIR/ID.html (--format pdf: DIR/ID.pdf) in the folder DIR of -o "
	    "(default .); writes invoice_id and file of each",
	    "revops-invoice render INV-2026-000142 --format pdf -o ." },
};

static const struct cli_option_help options[] = {
	{ "period", "MONTH", "run: the month billed (YYYY-MM)" },
	{ "on", "DATE", "run: the invoices' date (default the month's first "
	    "day); resume: the day billing resumes; credit: the credit note's "
	    "date (default --as-of)" },
	{ "account", "ID", "run: bill only this account (repeatable); apply, "
	    "list, export: only this account" },
	{ "dry-run", NULL, "run, pause, resume, credit, void, apply: do it on a copy of the "
	    "database and write what it made; change nothing" },
	{ "line", "N", "credit: only this line" },
	{ "amount", "X", "credit: this much of the line (or invoice), tax in "
	    "proportion" },
	{ "reason", "TEXT", "credit: why, kept with the credit note" },
	{ "as-of", "DATE", "today: the day balances, aging, dunning and "
	    "deferred revenue are worked out for (default the real today)" },
	{ "convert", NULL, "apply: a payment pays an invoice in another "
	    "currency at the rate of its day" },
	{ "by", "KEY", "aging: account, segment or owner" },
	{ "basis", "BASIS", "aging: days past due (due, the default) or since "
	    "issue (issue)" },
	{ "levels", "LIST", "dunning: days past due of each level (default "
	    "15,30,60)" },
	{ "from", "DATE|MONTH", "schedule, export, list: from this day or "
	    "month; pause: the first day paused" },
	{ "to", "DATE|MONTH", "schedule, export, list: to this day or month "
	    "(included); pause: the last day paused (it resumes the day "
	    "after)" },
	{ "lines", NULL, "export: the invoice lines, in revops-import's "
	    "columns" },
	{ "status", "STATUS", "list, export: open, paid, void or credited" },
};

static const struct cli_program program = {
	"VERB [ARGS]",
	"Order to cash.\n",
	verbs, sizeof(verbs) / sizeof(verbs[0]),
	"Verbs that take invoices read them as arguments or as a CSV with an\n"
	"invoice_id column on stdin (export: given '-').\n",
	options, sizeof(options) / sizeof(options[0]),
	"revops-invoice run --period 2026-12 && revops-invoice apply"
};

struct args {
	struct billing_opts b;
	struct ar_opts a;
	struct render_opts r;
	char *accounts[64];
	int naccounts;
	int32_t month;
};

static void
levels_arg(const char *arg, struct ar_opts *a)
{
	const char *p = arg;
	char *end;

	a->nlevels = 0;
	while (*p != '\0') {
		long v = strtol(p, &end, 10);

		if (end == p || v < 1 || v > 3650 || a->nlevels == 8 ||
		    (a->nlevels > 0 && v <= a->levels[a->nlevels - 1]))
			cli_usage_error("option '--levels': '%s' is not up to 8 "
			    "rising numbers of days, like 15,30,60", arg);
		a->levels[a->nlevels++] = (int)v;
		p = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			cli_usage_error("option '--levels': '%s' is not a list "
			    "like 15,30,60", arg);
	}
}

static void
own_option(int ch, const char *arg, void *ctx)
{
	struct args *g = ctx;
	char *end;
	int32_t m;

	switch (ch) {
	case OPT_ACCOUNT:
		if (g->naccounts == 64)
			cli_usage_error("--account: 64 at most");
		g->accounts[g->naccounts++] = (char *)arg;
		g->a.account = arg;
		break;
	case OPT_AMOUNT:
		g->a.amount = arg;
		break;
	case OPT_AS_OF:
		g->a.as_of = cli_day_arg("--as-of", arg, 0, 0);
		break;
	case OPT_BASIS:
		if (strcmp(arg, "due") != 0 && strcmp(arg, "issue") != 0)
			cli_usage_error("option '--basis': '%s' is not due or "
			    "issue", arg);
		g->a.basis_issue = arg[0] == 'i';
		break;
	case OPT_BY:
		if (strcmp(arg, "account") != 0 && strcmp(arg, "segment") != 0 &&
		    strcmp(arg, "owner") != 0)
			cli_usage_error("option '--by': '%s' is not account, "
			    "segment or owner", arg);
		g->a.by = arg;
		break;
	case OPT_CONVERT:
		g->a.convert = 1;
		break;
	case OPT_DRY_RUN:
		g->b.dry_run = 1;
		break;
	case OPT_FROM:
		g->a.from = cli_day_arg("--from", arg, 1, 0);
		break;
	case OPT_LEVELS:
		levels_arg(arg, &g->a);
		break;
	case OPT_LINE:
		g->a.line = (int)strtol(arg, &end, 10);
		if (*end != '\0' || g->a.line < 1)
			cli_usage_error("option '--line': '%s' is not a line "
			    "number", arg);
		break;
	case OPT_LINES:
		g->a.lines = 1;
		break;
	case OPT_ON:
		g->b.on = cli_day_arg("--on", arg, 0, 0);
		break;
	case OPT_PERIOD:
		if (date_parse_month(arg, strlen(arg), &m) != 0)
			cli_usage_error("option '--period': '%s' is not a month "
			    "(YYYY-MM)", arg);
		g->month = m;
		break;
	case OPT_REASON:
		g->a.reason = arg;
		break;
	case OPT_STATUS:
		if (strcmp(arg, "open") != 0 && strcmp(arg, "paid") != 0 &&
		    strcmp(arg, "void") != 0 && strcmp(arg, "credited") != 0)
			cli_usage_error("option '--status': '%s' is not open, "
			    "paid, void or credited", arg);
		g->a.status = arg;
		break;
	case OPT_TO:
		g->a.to = cli_day_arg("--to", arg, 1, 1);
		break;
	default:
		cli_usage_error("unknown option");
	}
}


/* What the arguments may be beside the verb's synopsis, checked before
 * the database is opened (a usage error creates none). */
static void
check_arguments(const char *verb, int argc, char *argv[], const struct args *g)
{
	if (strcmp(verb, "run") == 0) {
		if (g->month == INT32_MIN)
			cli_usage_error("run: --period YYYY-MM says which month");
		if (argc > 1 || (argc == 1 && strcmp(argv[0], "-") != 0))
			cli_usage_error("run: '-' reads the accounts to bill from "
			    "stdin; --account names one");
		if (argc == 1 && g->naccounts > 0)
			cli_usage_error("run: --account or '-', not both");
	}
	if (strcmp(verb, "credit") == 0 && argc != 1)
		cli_usage_error("credit: one invoice");
	if (strcmp(verb, "pause") == 0 && (argc != 1 || g->a.from == DATE_NONE))
		cli_usage_error("pause: one subscription, and --from DATE");
	if (strcmp(verb, "pause") == 0 && g->a.to != DATE_NONE &&
	    g->a.to < g->a.from) {
		char from[DATE_FMT_MAX], to[DATE_FMT_MAX];

		date_format(from, g->a.from);
		date_format(to, g->a.to);
		cli_usage_error("pause: --to %s is before --from %s", to, from);
	}
	if (strcmp(verb, "resume") == 0 && (argc != 1 || g->b.on == INT32_MIN))
		cli_usage_error("resume: one subscription, and --on DATE");
	if (g->a.amount != NULL && g->a.line == 0)
		cli_usage_error("credit: --amount goes with --line");
	if (strcmp(verb, "export") == 0 && argc > 0 && (g->a.from != DATE_NONE ||
	    g->a.to != DATE_NONE || g->a.account != NULL || g->a.status != NULL))
		cli_usage_error("export: the invoices named, or --from, --to, "
		    "--account and --status to select them, not both");
}

static int
run(struct db *db, const struct cli_verb *v, int argc, char *argv[],
    struct args *g, const struct cli_common *c)
{
	const char *verb = v->name;
	struct csv_input in = { argv, argc, stdin, c->delim, NULL };
	struct csv_input accounts = { g->accounts, g->naccounts, stdin,
	    c->delim, NULL };

	if (strcmp(verb, "run") == 0) {
		g->b.accounts = argc == 1 || g->naccounts > 0 ? &accounts :
		    NULL;
		g->b.month = g->month;
		if (g->b.on == INT32_MIN)
			g->b.on = date_month_start(g->month);
		return billing_run(db, &g->b);
	}
	if (g->a.account != NULL && db_unknown_ids(db, "accounts",
	    "account_id", "account", "--account", g->accounts,
	    (size_t)g->naccounts) > 0)
		return CLI_EDATA;
	if (strcmp(verb, "pause") == 0)
		return billing_pause(db, argv[0], g->a.from, g->a.to ==
		    DATE_NONE ? DATE_NONE : g->a.to + 1, &g->b);
	if (strcmp(verb, "resume") == 0)
		return billing_resume(db, argv[0], g->b.on, &g->b);
	if (strcmp(verb, "credit") == 0) {
		if (g->b.on != INT32_MIN)
			g->a.as_of = g->b.on;
		return ar_credit(db, argv[0], &g->a);
	}
	if (strcmp(verb, "void") == 0)
		return ar_void(db, &in, &g->a);
	if (strcmp(verb, "apply") == 0)
		return ar_apply(db, &g->a);
	if (strcmp(verb, "aging") == 0)
		return ar_aging(db, &g->a);
	if (strcmp(verb, "dunning") == 0)
		return ar_dunning(db, &g->a);
	if (strcmp(verb, "schedule") == 0)
		return recognition_schedule(db, g->a.from == DATE_NONE ?
		    INT32_MIN : date_month_of(g->a.from), g->a.to == DATE_NONE ?
		    INT32_MAX : date_month_of(g->a.to), &c->out);
	if (strcmp(verb, "deferred") == 0)
		return recognition_deferred(db, g->a.as_of, &c->out);
	if (strcmp(verb, "export") == 0)
		return ar_export(db, argc > 0 ? &in : NULL, &g->a);
	if (strcmp(verb, "list") == 0)
		return ar_list(db, NULL, &g->a);
	if (strcmp(verb, "render") == 0) {
		struct out_opts list = c->out;

		/* --format html or pdf says what documents; the list of
		 * them is a table all the same */
		g->r.pdf = c->out.document == OUT_PDF;
		list.document = OUT_NO_DOCUMENT;
		g->r.as_of = g->a.as_of;
		g->r.mode = c->mode;
		g->r.out = &list;
		return render_invoices(db, &in, &g->r);
	}
	return ar_list(db, &in, &g->a);
}

int
main(int argc, char *argv[])
{
	const struct cli_verb *v;
	struct cli_common common;
	struct args g;
	char *arguments;
	struct db *db;
	int first, rc;

	cli_init("revops-invoice", &common);
	memset(&g, 0, sizeof(g));
	g.month = INT32_MIN;
	g.b.on = INT32_MIN;
	g.a.as_of = g.a.from = g.a.to = DATE_NONE;
	g.a.levels[0] = 15;
	g.a.levels[1] = 30;
	g.a.levels[2] = 60;
	g.a.nlevels = 3;
	first = cli_options(argc, argv, longopts, &common, own_option, &g);
	arguments = cli_join_args(argc - 1, argv + 1);
	argc -= first;
	argv += first;
	v = cli_verb_of(&program, &common, argc, argv);
	check_arguments(v->name, argc - 1, argv + 1, &g);
	if (g.a.as_of == DATE_NONE)
		g.a.as_of = date_today();
	g.r.dir = common.output != NULL ? common.output : ".";
	g.a.out = g.b.out = &common.out;
	g.a.arguments = g.b.arguments = arguments;
	g.b.busy_ms = common.busy_ms;
	db = db_open(&common, v->kind != CLI_WRITES ? DB_READ : g.b.dry_run ? DB_DRY_RUN :
	    DB_WRITE, 0);
	rc = run(db, v, argc - 1, argv + 1, &g, &common);
	rc = cli_finish(rc);
	db_close(db);
	free(arguments);
	return rc;
}
