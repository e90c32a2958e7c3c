/*
 * revops-pipeline: the sales pipeline: leads to opportunities, stage
 * changes with history, lists, funnel, forecast and velocity.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "db.h"
#include "pipeline.h"

enum {
	OPT_ALL_QUALIFIED = CLI_OPT_FIRST_OWN, OPT_AS_OF, OPT_BY, OPT_CLOSING,
	OPT_COMMIT_STAGE, OPT_CURRENCY, OPT_FROM, OPT_ON, OPT_OPEN, OPT_OWNER,
	OPT_REOPEN, OPT_SEGMENT, OPT_SINCE, OPT_STAGE, OPT_TO, OPT_TYPE,
	OPT_WINDOW
};

static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "all-qualified", no_argument, NULL, OPT_ALL_QUALIFIED },
	{ "as-of", required_argument, NULL, OPT_AS_OF },
	{ "by", required_argument, NULL, OPT_BY },
	{ "closing", required_argument, NULL, OPT_CLOSING },
	{ "commit-stage", required_argument, NULL, OPT_COMMIT_STAGE },
	{ "currency", required_argument, NULL, OPT_CURRENCY },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "on", required_argument, NULL, OPT_ON },
	{ "open", no_argument, NULL, OPT_OPEN },
	{ "owner", required_argument, NULL, OPT_OWNER },
	{ "reopen", no_argument, NULL, OPT_REOPEN },
	{ "segment", required_argument, NULL, OPT_SEGMENT },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "stage", required_argument, NULL, OPT_STAGE },
	{ "to", required_argument, NULL, OPT_TO },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ NULL, 0, NULL, 0 }
};

static const struct cli_verb verbs[] = {
	{ "convert", "[LEAD...]", "all-qualified on as-of", CLI_WRITES,
	    "qualified leads become opportunities (ids as arguments, a CSV with "
	    "lead_id on stdin, or --all-qualified); writes the new "
	    "opportunities",
	    "revops-pipeline convert --all-qualified --on 2026-07-01" },
	{ "move", "[OPP STAGE...]", "on reopen as-of", CLI_WRITES,
	    "stage changes (or a CSV opportunity_id,stage[,changed_on] on "
	    "stdin); writes the changed ones",
	    "revops-pipeline move OPP-000046 proposal --on 2026-07-01" },
	{ "list", "", "stage owner type open closing segment", CLI_READS,
	    "opportunities, filtered",
	    "revops-pipeline list --open --format table" },
	{ "won", "", "since", CLI_READS, "won opportunities with their account",
	    "revops-pipeline won --since 2026-03-01" },
	{ "funnel", "", "from to by as-of", CLI_READS,
	    "per stage: entered, conversion, days in stage",
	    "revops-pipeline funnel --from 2026-01 --to 2026-06 --by owner" },
	{ "forecast", "", "from to by commit-stage currency as-of", CLI_READS,
	    "per period of expected close: pipeline, weighted, commit, best "
	    "case, won",
	    "revops-pipeline forecast --by quarter --as-of 2026-07-01" },
	{ "velocity", "", "as-of window currency", CLI_READS,
	    "open x average deal x win rate / sales cycle",
	    "revops-pipeline velocity --as-of 2026-07-01 --window 180" },
	{ "stages", "", "", CLI_READS, "the stage table",
	    "revops-pipeline stages --format table" },
};

static const struct cli_option_help options[] = {
	{ "all-qualified", NULL, "convert: every qualified lead" },
	{ "on", "DATE", "convert, move: the day of the change (default "
	    "--as-of)" },
	{ "reopen", NULL, "move: allow moving out of a closed stage" },
	{ "stage", "STAGE", "list: at this stage" },
	{ "owner", "OWNER", "list: owned by OWNER" },
	{ "type", "TYPE", "list: new, expansion or renewal" },
	{ "open", NULL, "list: only open opportunities" },
	{ "closing", "FROM..TO", "list: closing between two dates or months "
	    "(either may be left out)" },
	{ "segment", "SEGMENT", "list: accounts of this segment" },
	{ "since", "DATE", "won: closed on or after DATE" },
	{ "from", "DATE|MONTH", "funnel, forecast: start of the window" },
	{ "to", "DATE|MONTH", "funnel, forecast: end of the window (included)" },
	{ "by", "KEY", "funnel: owner, segment or source; forecast: month or "
	    "quarter (default month)" },
	{ "commit-stage", "S", "forecast: open stages from S on are commit "
	    "(default the last open stage)" },
	{ "as-of", "DATE", "today, for velocity, the default windows of funnel "
	    "and forecast, and --on (default the real today)" },
	{ "window", "DAYS", "velocity: days of closed deals looked at (default "
	    "90)" },
	{ "currency", "CODE", "forecast, velocity: report in CODE (default the "
	    "base_currency setting)" },
};

static const struct cli_program program = {
	"VERB [ARGS]",
	"The sales pipeline.\n",
	verbs, sizeof(verbs) / sizeof(verbs[0]),
	NULL,
	options, sizeof(options) / sizeof(options[0]),
	"revops-pipeline forecast --by quarter --from 2026-01 --to 2026-12"
};

static void
closing_arg(const char *arg, struct pipeline_filter *f)
{
	const char *dots = strstr(arg, "..");
	char *from;

	if (dots == NULL)
		cli_usage_error("option '--closing': '%s' is not FROM..TO",
		    arg);
	if (dots > arg) {
		if ((from = strndup(arg, (size_t)(dots - arg))) == NULL)
			cli_die(CLI_EIO, "out of memory");
		f->closing_from = cli_day_arg("--closing", from, 1, 0);
		free(from);
	}
	if (dots[2] != '\0')
		f->closing_to = cli_day_arg("--closing", dots + 2, 1, 1);
}

struct args {
	int all_qualified, reopen, window;
	int32_t on, as_of, since, from, to;
	const char *by, *commit_stage, *currency;
	struct pipeline_filter filter;
};

static void
own_option(int ch, const char *arg, void *ctx)
{
	struct args *a = ctx;
	char *end;

	switch (ch) {
	case OPT_ALL_QUALIFIED:
		a->all_qualified = 1;
		break;
	case OPT_AS_OF:
		a->as_of = cli_day_arg("--as-of", arg, 0, 0);
		break;
	case OPT_BY:
		a->by = arg;
		break;
	case OPT_CLOSING:
		closing_arg(arg, &a->filter);
		break;
	case OPT_COMMIT_STAGE:
		a->commit_stage = arg;
		break;
	case OPT_CURRENCY:
		a->currency = arg;
		break;
	case OPT_FROM:
		a->from = cli_day_arg("--from", arg, 1, 0);
		break;
	case OPT_ON:
		a->on = cli_day_arg("--on", arg, 0, 0);
		break;
	case OPT_OPEN:
		a->filter.open_only = 1;
		break;
	case OPT_OWNER:
		a->filter.owner = arg;
		break;
	case OPT_REOPEN:
		a->reopen = 1;
		break;
	case OPT_SEGMENT:
		a->filter.segment = arg;
		break;
	case OPT_SINCE:
		a->since = cli_day_arg("--since", arg, 0, 0);
		break;
	case OPT_STAGE:
		a->filter.stage = arg;
		break;
	case OPT_TO:
		a->to = cli_day_arg("--to", arg, 1, 1);
		break;
	case OPT_TYPE:
		if (strcmp(arg, "new") != 0 && strcmp(arg, "expansion") != 0 &&
		    strcmp(arg, "renewal") != 0)
			cli_usage_error("option '--type': '%s' is not new, "
			    "expansion or renewal", arg);
		a->filter.type = arg;
		break;
	case OPT_WINDOW:
		a->window = (int)strtol(arg, &end, 10);
		if (*end != '\0' || end == arg || a->window < 1 ||
		    a->window > 3660)
			cli_usage_error("option '--window': '%s' is not a "
			    "number of days from 1 to 3660", arg);
		break;
	default:
		cli_usage_error("unknown option");
	}
}

/*
 * The window of a report when --from or --to is not given, from the
 * --as-of day: a forecast looks ahead, six months from this one or four
 * quarters from this one; a funnel looks back, over this month and the
 * five before it up to the day.
 */
static void
window(struct db *db, struct args *a, int ahead, int quarters)
{
	int32_t month = date_month_of(a->as_of);

	if (quarters) {
		struct date_fiscal fy = db_fiscal_year(db);

		month = date_period_first(month, 3, &fy);
	}
	if (a->from == DATE_NONE)
		a->from = date_month_start(ahead ? month : month - 5);
	if (a->to == DATE_NONE)
		a->to = ahead ? date_month_start(date_month_of(a->from) +
		    (quarters ? 12 : 6)) - 1 : a->as_of;
	if (a->to < a->from)
		cli_usage_error("--to is before --from");
}

static int
run(struct db *db, const char *verb, int argc, char *argv[], struct args *a,
    const struct cli_common *c, const char *arguments)
{
	struct csv_input in = { argv, argc, stdin, c->delim, NULL };
	int quarters = 0;

	if (strcmp(verb, "convert") == 0)
		return pipeline_convert(db, &in, a->all_qualified, a->on,
		    &c->out, arguments);
	if (strcmp(verb, "move") == 0)
		return pipeline_move(db, &in, a->on, a->reopen, &c->out,
		    arguments);
	if (strcmp(verb, "list") == 0)
		return pipeline_list(db, &a->filter, &c->out);
	if (strcmp(verb, "won") == 0)
		return pipeline_won(db, a->since, &c->out);
	if (strcmp(verb, "stages") == 0)
		return pipeline_stages(db, &c->out);
	if (strcmp(verb, "velocity") == 0)
		return pipeline_velocity(db, a->as_of, a->window, a->currency,
		    &c->out);
	if (strcmp(verb, "funnel") == 0) {
		if (a->by != NULL && strcmp(a->by, "owner") != 0 &&
		    strcmp(a->by, "segment") != 0 && strcmp(a->by, "source"))
			cli_usage_error("funnel: --by is owner, segment or "
			    "source");
		window(db, a, 0, 0);
		return pipeline_funnel(db, a->from, a->to, a->by, &c->out);
	}
	if (a->by != NULL && strcmp(a->by, "quarter") == 0)
		quarters = 1;
	else if (a->by != NULL && strcmp(a->by, "month") != 0)
		cli_usage_error("forecast: --by is month or quarter");
	window(db, a, 1, quarters);
	return pipeline_forecast(db, quarters, a->from, a->to,
	    a->commit_stage, a->currency, &c->out);
}

int
main(int argc, char *argv[])
{
	const struct cli_verb *v;
	struct cli_common common;
	struct args a = { .window = 90 };
	char *arguments;
	struct db *db;
	int first, rc;

	cli_init("revops-pipeline", &common);
	a.currency = common.currency;
	a.on = a.as_of = DATE_NONE;
	a.since = a.from = a.to = DATE_NONE;
	a.filter.closing_from = a.filter.closing_to = DATE_NONE;
	first = cli_options(argc, argv, longopts, &common, own_option, &a);
	arguments = cli_join_args(argc - 1, argv + 1);	/* options too */
	argc -= first;
	argv += first;
	v = cli_verb_of(&program, &common, argc, argv);
	/* before the database is opened: a usage error creates none */
	if (a.all_qualified && argc > 1)
		cli_usage_error("--all-qualified or lead ids, not both");
	if (strcmp(v->name, "move") == 0 && argc % 2 == 0 &&
	    !(argc == 2 && strcmp(argv[1], "-") == 0))
		cli_usage_error("move: arguments come in pairs, OPP STAGE");
	if (a.as_of == DATE_NONE)
		a.as_of = date_today();
	if (a.on == DATE_NONE)
		a.on = a.as_of;
	db = db_open(&common, v->kind == CLI_WRITES ? DB_WRITE : DB_READ, 0);
	rc = run(db, v->name, argc - 1, argv + 1, &a, &common, arguments);
	rc = cli_finish(rc);
	db_close(db);
	free(arguments);
	return rc;
}
