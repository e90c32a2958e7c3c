/*
 * revops-quote: configure, price and quote: price lines from the price
 * book, store quotes with their rules and approvals, and hand an accepted
 * quote to an order, a contract and subscriptions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "db.h"
#include "money.h"
#include "quote.h"

enum {
	OPT_ACCOUNT = CLI_OPT_FIRST_OWN, OPT_AS, OPT_AS_OF, OPT_CURRENCY,
	OPT_LINES, OPT_NOTE, OPT_ON, OPT_QUANTITY, OPT_REPLACES, OPT_SKU,
	OPT_START, OPT_STATUS, OPT_VALID_DAYS
};

static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "account", required_argument, NULL, OPT_ACCOUNT },
	{ "as", required_argument, NULL, OPT_AS },
	{ "as-of", required_argument, NULL, OPT_AS_OF },
	{ "currency", required_argument, NULL, OPT_CURRENCY },
	{ "lines", no_argument, NULL, OPT_LINES },
	{ "note", required_argument, NULL, OPT_NOTE },
	{ "on", required_argument, NULL, OPT_ON },
	{ "quantity", required_argument, NULL, OPT_QUANTITY },
	{ "replaces", required_argument, NULL, OPT_REPLACES },
	{ "sku", required_argument, NULL, OPT_SKU },
	{ "start", required_argument, NULL, OPT_START },
	{ "status", required_argument, NULL, OPT_STATUS },
	{ "valid-days", required_argument, NULL, OPT_VALID_DAYS },
	{ NULL, 0, NULL, 0 }
};

static const struct cli_verb verbs[] = {
	{ "price", "[FILE]", "currency on as-of", CLI_READS,
	    "price lines sku,quantity[,discount_pct][,term_months] (with "
	    "account_id or --currency); writes nothing",
	    "revops-quote price --currency USD lines.csv" },
	{ "new", "[FILE]", "currency valid-days sku quantity on as-of", CLI_WRITES,
	    "lines quote_ref, account_id, sku, quantity (and opportunity_id, "
	    "discount_pct, term_months) become quotes Q-000001...; quote_ref "
	    "defaults to the opportunity_id (won deals from revops-pipeline)",
	    "revops-quote new --on 2026-07-01 lines.csv" },
	{ "approve", "[QUOTE...]", "as note on as-of", CLI_WRITES,
	    "approve the reasons waiting for --as ROLE",
	    "revops-quote new lines.csv | "
	    "revops-quote approve --as sales_manager" },
	{ "reject", "[QUOTE...]", "as note on as-of", CLI_WRITES, "reject them",
	    "revops-quote new lines.csv | "
	    "revops-quote reject --as sales_manager" },
	{ "accept", "[QUOTE...]", "start replaces on as-of", CLI_WRITES,
	    "approved quotes become an order, a contract and subscriptions",
	    "revops-quote new seats.csv | "
	    "revops-quote accept --start 2026-08-01" },
	{ "list", "", "status account on as-of", CLI_READS, "quotes with their totals",
	    "revops-quote list --status accepted --format table" },
	{ "show", "[QUOTE...]", "lines on as-of", CLI_READS,
	    "the totals of these quotes (--lines: their lines)",
	    "revops-quote show Q-000003 --lines" },
	{ "revise", "QUOTE [FILE]", "valid-days on as-of", CLI_WRITES,
	    "a new version from lines sku,quantity,...",
	    "revops-quote new lines.csv && "
	    "revops-quote revise Q-000004 seats.csv" },
};

static const struct cli_option_help options[] = {
	{ "on", "DATE", "the day of the quote, decision or acceptance (default "
	    "--as-of)" },
	{ "as-of", "DATE", "today, for --on and for expiry (default the real "
	    "today)" },
	{ "currency", "CODE", "price, new: quote in CODE, not the account's" },
	{ "valid-days", "N", "new, revise: days a quote can be accepted "
	    "(default 30)" },
	{ "sku", "SKU", "new: the sku of lines that name none" },
	{ "quantity", "N", "new: the quantity of lines that give none" },
	{ "as", "ROLE", "approve, reject: the role deciding" },
	{ "note", "TEXT", "approve, reject: a note kept with the decision" },
	{ "start", "DATE", "accept: the day subscriptions start (default --on)" },
	{ "replaces", "SUB", "accept: a plan change: the quote's subscriptions "
	    "replace SUB, which ends when they start" },
	{ "status", "STATUS", "list: needs_approval, approved, rejected, "
	    "accepted, superseded or expired" },
	{ "account", "ID", "list: quotes of this account" },
	{ "lines", NULL, "show: the quote lines instead of the totals" },
};

static const struct cli_program program = {
	"VERB [ARGS]",
	"Configure, price and quote.\n",
	verbs, sizeof(verbs) / sizeof(verbs[0]),
	"Lines come from FILE, or standard input for none or '-'.  Verbs that\n"
	"take quotes read them as arguments or as a CSV with a quote_id column\n"
	"on stdin.\n",
	options, sizeof(options) / sizeof(options[0]),
	"revops-quote new < lines.csv | revops-quote accept"
};

/* What the options say: the quote verbs' options, and --as-of. */
struct args {
	struct quote_opts o;
	int32_t as_of;
};

static void
own_option(int ch, const char *arg, void *ctx)
{
	struct quote_opts *o = &((struct args *)ctx)->o;
	int32_t *as_of = &((struct args *)ctx)->as_of;
	static const char statuses[] = "|needs_approval|approved|rejected|"
	    "accepted|superseded|expired|";
	char key[40];
	char *end;

	switch (ch) {
	case OPT_ACCOUNT:
		o->account = arg;
		break;
	case OPT_AS:
		o->role = arg;
		break;
	case OPT_AS_OF:
		*as_of = cli_day_arg("--as-of", arg, 0, 0);
		break;
	case OPT_CURRENCY:
		if (strlen(arg) != 3)
			cli_usage_error("option '--currency': '%s' is not an ISO "
			    "4217 code", arg);
		o->currency = arg;
		break;
	case OPT_LINES:
		o->lines = 1;
		break;
	case OPT_NOTE:
		o->note = *arg != '\0' ? arg : NULL;	/* --note '': none */
		break;
	case OPT_ON:
		o->on = cli_day_arg("--on", arg, 0, 0);
		break;
	case OPT_QUANTITY:
		if (money_parse(arg, strlen(arg), 6, '.', &o->quantity) !=
		    MONEY_OK || o->quantity <= 0)
			cli_usage_error("option '--quantity': '%s' is not a "
			    "number more than 0", arg);
		break;
	case OPT_REPLACES:
		o->replaces = arg;
		break;
	case OPT_SKU:
		o->sku = arg;
		break;
	case OPT_START:
		o->start = cli_day_arg("--start", arg, 0, 0);
		break;
	case OPT_STATUS:
		snprintf(key, sizeof(key), "|%s|", arg);
		if (strstr(statuses, key) == NULL)
			cli_usage_error("option '--status': '%s' is not a quote "
			    "status", arg);
		o->status = arg;
		break;
	case OPT_VALID_DAYS:
		o->valid_days = (int)strtol(arg, &end, 10);
		if (*end != '\0' || end == arg || o->valid_days < 1 ||
		    o->valid_days > 3660)
			cli_usage_error("option '--valid-days': '%s' is not a "
			    "number of days from 1 to 3660", arg);
		break;
	default:
		cli_usage_error("unknown option");
	}
}

/* The file a verb reads its lines from: FILE, or stdin for none or '-'. */
static FILE *
lines_file(int argc, char *argv[], const char **name)
{
	FILE *fp;

	*name = cli_input_name(argc == 1 ? argv[0] : NULL);
	if (strcmp(*name, "stdin") == 0)
		return stdin;
	if ((fp = fopen(argv[0], "r")) == NULL)
		cli_die(CLI_EIO, "%s: %s", argv[0], strerror(errno));
	return fp;
}

static int
run(struct db *db, const char *verb, int argc, char *argv[],
    const struct quote_opts *o, const struct cli_common *c)
{
	struct csv_input in = { argv, argc, stdin, c->delim, NULL };
	char *account[1] = { (char *)o->account };
	const char *name = NULL;
	FILE *fp;

	if (strcmp(verb, "price") == 0) {
		fp = lines_file(argc, argv, &name);
		return quote_price(db, fp, name, c->delim, o);
	}
	if (strcmp(verb, "new") == 0) {
		in.in = lines_file(argc, argv, &name);
		in.name = name;
		in.argc = 0;
		return quote_new(db, &in, o);
	}
	if (strcmp(verb, "approve") == 0 || strcmp(verb, "reject") == 0)
		return quote_decide(db, &in, verb[0] == 'a', o);
	if (strcmp(verb, "accept") == 0)
		return quote_accept(db, &in, o);
	if (strcmp(verb, "list") == 0)
		return account[0] != NULL && db_unknown_ids(db, "accounts",
		    "account_id", "account", "--account", account, 1) > 0 ?
		    CLI_EDATA : quote_list(db, NULL, o);
	if (strcmp(verb, "show") == 0)
		return quote_list(db, &in, o);
	fp = lines_file(argc - 1, argv + 1, &name);
	return quote_revise(db, argv[0], fp, name, c->delim, o);
}

int
main(int argc, char *argv[])
{
	const struct cli_verb *v;
	struct cli_common common;
	struct args a;
	char *arguments;
	struct db *db;
	int first, rc;

	cli_init("revops-quote", &common);
	memset(&a, 0, sizeof(a));
	a.as_of = a.o.on = a.o.start = DATE_NONE;
	a.o.valid_days = 30;
	first = cli_options(argc, argv, longopts, &common, own_option, &a);
	arguments = cli_join_args(argc - 1, argv + 1);
	argc -= first;
	argv += first;
	v = cli_verb_of(&program, &common, argc, argv);
	/* before the database is opened: a usage error creates none */
	if ((strcmp(v->name, "approve") == 0 || strcmp(v->name, "reject") == 0)
	    && a.o.role == NULL)
		cli_usage_error("%s: --as ROLE says who decides", v->name);
	if (strcmp(v->name, "revise") == 0 && argc < 2)
		cli_usage_error("revise: which quote?");
	if (argc > (strcmp(v->name, "revise") == 0 ? 3 : 2) &&
	    strstr(v->synopsis, "FILE") != NULL)
		cli_usage_error("one file of lines at most");
	if (a.as_of == DATE_NONE)
		a.as_of = date_today();
	if (a.o.on == DATE_NONE)
		a.o.on = a.as_of;
	a.o.out = &common.out;
	a.o.arguments = arguments;
	db = db_open(&common, v->kind == CLI_WRITES ? DB_WRITE : DB_READ, 0);
	rc = run(db, v->name, argc - 1, argv + 1, &a.o, &common);
	rc = cli_finish(rc);
	db_close(db);
	free(arguments);
	return rc;
}
