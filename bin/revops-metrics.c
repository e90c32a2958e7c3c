/*
 * revops-metrics: the revenue metrics per period and segment, the MRR
 * detail behind them, the reconciliation of the database's invariants,
 * and the nightly HTML report.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "db.h"
#include "measure.h"
#include "metrics.h"
#include "reconcile.h"
#include "report.h"

enum {
	OPT_AS_OF = CLI_OPT_FIRST_OWN, OPT_BY, OPT_CURRENCY, OPT_DETAIL,
	OPT_DSO, OPT_FROM, OPT_LONG, OPT_REPORT, OPT_SEGMENT, OPT_TO
};

static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "as-of", required_argument, NULL, OPT_AS_OF },
	{ "by", required_argument, NULL, OPT_BY },
	{ "currency", required_argument, NULL, OPT_CURRENCY },
	{ "detail", required_argument, NULL, OPT_DETAIL },
	{ "dso", required_argument, NULL, OPT_DSO },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "long", no_argument, NULL, OPT_LONG },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "segment", required_argument, NULL, OPT_SEGMENT },
	{ "to", required_argument, NULL, OPT_TO },
	{ NULL, 0, NULL, 0 }
};

static const struct cli_option_help options[] = {
	{ "from", "YYYY-MM", "the first period (default 11 months before --to)" },
	{ "to", "YYYY-MM", "the last period (default the month of --as-of)" },
	{ "by", "PERIOD", "month, quarter or year (default month)" },
	{ "segment", "FIELD", "a row per value of an accounts column: segment, "
	    "region, industry, owner or currency" },
	{ "currency", "CODE", "report in CODE (default the base_currency "
	    "setting)" },
	{ "long", NULL, "one row per period, segment and metric" },
	{ "detail", "mrr", "each account's MRR at the start and end of each "
	    "period, with its movement" },
	{ "dso", "METHOD", "standard (default) or countback" },
	{ "report", "FILE", "write the HTML report of the last period to FILE "
	    "(- for standard output)" },
	{ "as-of", "DATE", "today, for the default periods and the report "
	    "(default the real today)" },
};

static const struct cli_program program = {
	"[METRIC...]\n       revops-metrics [options] reconcile",
	"The revenue metrics, one row per period (and segment), one column per\n"
	"metric; all of them when none is named.  reconcile checks the\n"
	"database's invariants and exits 1 when one fails.\n",
	NULL, 0,
	"\nMetrics: mrr arr new_mrr expansion_mrr contraction_mrr churned_mrr\n"
	"reactivation_mrr paying_accounts new_accounts churned_accounts\n"
	"logo_churn_rate gross_revenue_churn net_revenue_churn grr nrr\n"
	"renewal_rate renewal_rate_value arpa ltv cac cac_payback_months tcv acv\n"
	"bookings_new bookings_expansion bookings_renewal dso rpo crpo csat\n"
	"adoption_rate seat_utilization margin win_rate avg_deal_size\n"
	"sales_cycle_days pipeline_velocity\n",
	options, sizeof(options) / sizeof(options[0]),
	"revops-metrics mrr nrr grr --from 2026-01 --to 2026-12 --by quarter"
};

/* reconcile, the one verb, takes only --as-of of the options. */
static const struct cli_verb reconcile = { "reconcile", "", "as-of", 0,
    "checks the database's invariants",
    "revops-metrics reconcile --as-of 2026-06-30" };

struct args {
	int32_t as_of, from, to;
	int longform, detail;
	const char *report;
	struct measure_opts m;
};

static void
own_option(int ch, const char *arg, void *ctx)
{
	struct args *a = ctx;
	size_t i;

	switch (ch) {
	case OPT_AS_OF:
		a->as_of = cli_day_arg("--as-of", arg, 0, 0);
		break;
	case OPT_BY:
		if (strcmp(arg, "month") == 0)
			a->m.months = 1;
		else if (strcmp(arg, "quarter") == 0)
			a->m.months = 3;
		else if (strcmp(arg, "year") == 0)
			a->m.months = 12;
		else
			cli_usage_error("option '--by': '%s' is not month, "
			    "quarter or year", arg);
		break;
	case OPT_CURRENCY:
		a->m.currency = arg;
		break;
	case OPT_DETAIL:
		if (strcmp(arg, "mrr") != 0)
			cli_usage_error("option '--detail': '%s' is not mrr",
			    arg);
		a->detail = 1;
		break;
	case OPT_DSO:
		if (strcmp(arg, "countback") == 0)
			a->m.countback = 1;
		else if (strcmp(arg, "standard") == 0)
			a->m.countback = 0;
		else
			cli_usage_error("option '--dso': '%s' is not standard "
			    "or countback", arg);
		break;
	case OPT_FROM:
		a->from = cli_month_arg("--from", arg);
		break;
	case OPT_LONG:
		a->longform = 1;
		break;
	case OPT_REPORT:
		a->report = arg;
		break;
	case OPT_SEGMENT:
		for (i = 0; measure_segments[i] != NULL; i++)
			if (strcmp(arg, measure_segments[i]) == 0)
				break;
		if (measure_segments[i] == NULL)
			cli_usage_error("option '--segment': '%s' is not segment, "
			    "region, industry, owner or currency", arg);
		a->m.segment = measure_segments[i];
		break;
	case OPT_TO:
		a->to = cli_month_arg("--to", arg);
		break;
	default:
		cli_usage_error("unknown option");
	}
}

static int
names_reconcile(int argc, char *argv[], int i)
{
	return argc > i && strcmp(argv[i], "reconcile") == 0;
}

/* The metrics named on the command line, or all of them. */
static size_t
metrics_named(int argc, char *argv[], enum metric *which)
{
	const char *near;
	size_t n = 0;

	if (argc == 0) {
		for (int i = 0; i < M_COUNT; i++)
			which[n++] = (enum metric)i;
		return n;
	}
	for (int i = 0; i < argc; i++) {
		int m = metrics_find(argv[i]);

		if (m < 0 && (near = cli_nearest(argv[i], metrics_defs,
		    M_COUNT, sizeof(metrics_defs[0]))) != NULL)
			cli_usage_error("'%s' is not a metric; did you mean "
			    "'%s'?", argv[i], near);
		if (m < 0)
			cli_usage_error("'%s' is not a metric (see --help)",
			    argv[i]);
		which[n++] = (enum metric)m;
	}
	return n;
}

static int
run(struct db *db, int argc, char *argv[], struct args *a,
    const struct cli_common *c)
{
	enum metric which[M_COUNT * 2];
	struct metrics_table *t;
	size_t n;
	int rc;

	if (names_reconcile(argc, argv, 0))
		return reconcile_run(db, a->as_of, &c->out);
	if (argc > 0 && (a->detail || a->report != NULL))
		cli_usage_error("--%s takes no metric names",
		    a->detail ? "detail" : "report");
	if (argc > M_COUNT * 2)
		cli_usage_error("too many metrics");
	n = metrics_named(argc, argv, which);
	if (a->detail)
		return measure_detail_mrr(db, &a->m, &c->out);
	if (a->report != NULL)
		return report_write(db, a->report, c->mode, &a->m,
		    a->from != DATE_NONE, a->as_of);
	if ((t = measure_table(db, &a->m)) == NULL)
		return CLI_EDATA;
	rc = metrics_write(t, which, n, a->longform, &c->out);
	metrics_table_free(t);
	return rc == 0 ? CLI_OK : CLI_EIO;
}

int
main(int argc, char *argv[])
{
	struct cli_common common;
	struct args a = { .m = { .months = 1 } };
	struct db *db;
	int first, rc;

	cli_init("revops-metrics", &common);
	a.as_of = a.from = a.to = DATE_NONE;
	a.m.currency = common.currency;
	first = cli_options(argc, argv, longopts, &common, own_option, &a);
	cli_no_documents(&common);
	argc -= first;
	argv += first;
	/* reconcile is a verb, as metric names are not: it has a help of
	 * its own */
	if (common.help)
		cli_help(&program, names_reconcile(argc, argv, 0) ?
		    &reconcile : NULL);
	if (argc == 2 && strcmp(argv[0], "help") == 0 &&
	    names_reconcile(argc, argv, 1))
		cli_help(&program, &reconcile);
	cli_help_command(&program, argc, argv);
	if (names_reconcile(argc, argv, 0)) {
		cli_verb_check(&reconcile);
		if (argc > 1)
			cli_usage_error("reconcile takes no arguments");
	}
	if (a.as_of == DATE_NONE)
		a.as_of = date_today();
	a.m.to = a.to != DATE_NONE ? a.to : date_month_of(a.as_of);
	a.m.from = a.from != DATE_NONE ? a.from : a.m.to - 11;
	if (a.m.to < a.m.from)
		cli_usage_error("--to is before --from");
	if (a.detail && a.report != NULL)
		cli_usage_error("--detail or --report, not both");
	if (a.report != NULL && common.output != NULL)
		cli_usage_error("--report names its own file; -o goes with the "
		    "tables");
	if (a.report == NULL) {
		common.out.name = names_reconcile(argc, argv, 0) ?
		    "reconcile" : a.detail ? "mrr detail" : NULL;
		cli_output_open(&common);
	}
	db = db_open(&common, DB_READ, 0);
	rc = run(db, argc, argv, &a, &common);
	rc = cli_finish(rc);
	db_close(db);
	return rc;
}
