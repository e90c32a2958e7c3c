/*
 * The nightly HTML report.
 *
 * Everything is drawn here as SVG with integer geometry: a value's
 * height is value x chart height / the chart's largest value, worked out
 * in 128 bits, so the figures never pass through floating point even on
 * their way to pixels.  The file is written next to its final name and
 * renamed over it when whole, so a reader (a mail job, a browser) never
 * sees half a report, and a failed run leaves yesterday's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ar.h"
#include "cli.h"
#include "date.h"
#include "db.h"
#include "fx.h"
#include "html.h"
#include "measure.h"
#include "metrics.h"
#include "money.h"
#include "outfile.h"
#include "pipeline.h"
#include "report.h"

#define CHART_W 640
#define CHART_H 220
#define PAD_L 90		/* room for the axis labels */
#define PAD_B 30

static const char css[] =
    "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;"
    "margin:24px auto;max-width:980px;color:#1d2433;padding:0 16px}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}"
    ".sub{color:#5b6475;margin:0 0 16px}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,"
    "minmax(170px,1fr));gap:10px}"
    ".card{border:1px solid #d9dee8;border-radius:6px;padding:10px 12px}"
    ".card .k{color:#5b6475;font-size:12px}.card .v{font-size:20px;"
    "font-weight:600}.up{color:#1a7f37}.down{color:#c0392b}"
    ".card .d{font-size:12px}table{border-collapse:collapse;margin-top:8px}"
    "td,th{padding:3px 10px;text-align:right;border-bottom:1px solid #eceff4}"
    "th:first-child,td:first-child{text-align:left}"
    "svg text{font:11px system-ui,sans-serif;fill:#5b6475}"
    ".note{color:#5b6475;font-size:12px}";

/* Series colours: one per line of a chart. */
static const char *const colour[] = { "#2f6fdf", "#e08a1e", "#1a7f37",
    "#c0392b", "#7b4fc9" };

struct report {
	FILE *fp;
	const struct metrics_table *t;
	int exp;
	const char *currency;
};

/* ---- text ------------------------------------------------------------------------ */

/* A metric's value as shown: money grouped, rates in percent; buf needs
 * MONEY_GROUPED_MAX bytes. */
static void
shown(const struct report *r, enum metric m, int64_t v, char *buf)
{
	switch (metrics_defs[m].kind) {
	case MK_MONEY:
		money_format_grouped(buf, v, r->exp, r->exp);
		break;
	case MK_RATE:
		money_format_grouped(buf, v, METRICS_RATE_SCALE - 2,
		    METRICS_RATE_SCALE - 2);
		strcat(buf, "%");
		break;
	case MK_DAYS:
	case MK_MONTHS:
		money_format_grouped(buf, v, METRICS_DAYS_SCALE,
		    METRICS_DAYS_SCALE);
		break;
	case MK_COUNT:
		money_format_grouped(buf, v, 0, 0);
		break;
	}
}

static const struct metrics_cell *
cell(const struct report *r, size_t k, enum metric m)
{
	return metrics_cell(r->t, k, 0, m);
}

/* ---- the headline --------------------------------------------------------------- */

static const enum metric headline[] = { M_MRR, M_ARR, M_NRR, M_GRR,
    M_LOGO_CHURN_RATE, M_NEW_MRR, M_CHURNED_MRR, M_PAYING_ACCOUNTS, M_ARPA,
    M_LTV, M_DSO, M_CSAT, M_WIN_RATE, M_RPO };

/* Whether more of a metric is good news: churn, DSO and the churned MRR
 * are better lower. */
static int
higher_is_better(enum metric m)
{
	return m != M_LOGO_CHURN_RATE && m != M_CHURNED_MRR && m != M_DSO &&
	    m != M_GROSS_REVENUE_CHURN && m != M_NET_REVENUE_CHURN;
}

static void
card(const struct report *r, size_t k, enum metric m)
{
	const struct metrics_cell *now = cell(r, k, m);
	const struct metrics_cell *was = k > 0 ? cell(r, k - 1, m) : NULL;
	char v[64], d[64];

	fprintf(r->fp, "<div class=\"card\"><div class=\"k\">%s</div>"
	    "<div class=\"v\">", metrics_defs[m].title);
	if (now->set) {
		shown(r, m, now->v, v);
		fputs(v, r->fp);
	} else
		fputs("&mdash;", r->fp);
	fputs("</div>", r->fp);
	if (now->set && was != NULL && was->set) {
		int64_t delta;
		int good;

		if (__builtin_sub_overflow(now->v, was->v, &delta) ||
		    delta == INT64_MIN) {
			cli_data_error(NULL, 0, NULL, "%s: the change of %s "
			    "since %s does not fit in 64 bits",
			    r->t->period[k], metrics_defs[m].name,
			    r->t->period[k - 1]);
			return;
		}
		good = delta == 0 ? -1 : (delta > 0) == higher_is_better(m);

		shown(r, m, delta < 0 ? -delta : delta, d);
		fprintf(r->fp, "<div class=\"d %s\">%s %s vs %s</div>",
		    good < 0 ? "" : good ? "up" : "down",
		    delta > 0 ? "&#9650;" : delta < 0 ? "&#9660;" : "=",
		    d, r->t->period[k - 1]);
	}
	fputs("</div>\n", r->fp);
}

/* ---- charts --------------------------------------------------------------------- */

/* The y of v on a chart whose top is max and bottom min. */
static int
y_of(int64_t v, int64_t min, int64_t max)
{
	if (max == min)
		return CHART_H - PAD_B;
	/* in 128 bits: a span of two amounts can pass 64 */
	return (int)((CHART_H - PAD_B - 10) - ((__int128)v - min) *
	    (CHART_H - PAD_B - 20) / ((__int128)max - min));
}

static void
svg_open(FILE *fp, const char *label)
{
	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"%s\">\n", CHART_W, CHART_H, CHART_W, CHART_H, label);
}

static void
axis(const struct report *r, enum metric m, int64_t min, int64_t max)
{
	char a[64], b[64];

	shown(r, m, max, a);
	shown(r, m, min, b);
	fprintf(r->fp, "<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#c8ced9\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#c8ced9\"/>\n<text x=\"%d\" y=\"%d\" "
	    "text-anchor=\"end\">%s</text><text x=\"%d\" y=\"%d\" "
	    "text-anchor=\"end\">%s</text>\n", PAD_L, PAD_L, CHART_H - PAD_B,
	    PAD_L, CHART_H - PAD_B, CHART_W - 10, CHART_H - PAD_B,
	    PAD_L - 6, y_of(max, min, max) + 4, a, PAD_L - 6,
	    y_of(min, min, max) + 4, b);
}

static int
x_of(size_t i, size_t n)
{
	if (n < 2)
		return PAD_L + (CHART_W - PAD_L - 10) / 2;
	return PAD_L + 10 + (int)(i * (size_t)(CHART_W - PAD_L - 30) /
	    (n - 1));
}

/* A line a metric over the periods; the axis is shared by the metrics. */
static void
line_chart(const struct report *r, const char *label, const enum metric *ms,
    size_t nm)
{
	size_t n = r->t->nperiod;
	int64_t min = 0, max = 0;

	for (size_t j = 0; j < nm; j++)
		for (size_t k = 0; k < n; k++)
			if (cell(r, k, ms[j])->set) {
				int64_t v = cell(r, k, ms[j])->v;

				min = v < min ? v : min;
				max = v > max ? v : max;
			}
	svg_open(r->fp, label);
	axis(r, ms[0], min, max);
	for (size_t k = 0; k < n; k += (n + 5) / 6)
		fprintf(r->fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
		    "%s</text>\n", x_of(k, n), CHART_H - 10, r->t->period[k]);
	for (size_t j = 0; j < nm; j++) {
		int open = 0;

		fprintf(r->fp, "<path fill=\"none\" stroke=\"%s\" "
		    "stroke-width=\"2\" d=\"", colour[j % 5]);
		for (size_t k = 0; k < n; k++) {
			if (!cell(r, k, ms[j])->set) {
				open = 0;
				continue;
			}
			fprintf(r->fp, "%c%d %d ", open ? 'L' : 'M', x_of(k, n),
			    y_of(cell(r, k, ms[j])->v, min, max));
			open = 1;
		}
		fprintf(r->fp, "\"/>\n<text x=\"%d\" y=\"%d\" "
		    "style=\"fill:%s\">%s</text>\n", PAD_L + 10 + (int)j * 150,
		    22, colour[j % 5], metrics_defs[ms[j]].title);
	}
	fputs("</svg>\n", r->fp);
}

/*
 * The MRR bridge of the last period: the start, each movement as a step
 * up or down from where the last one left off, and the end.
 */
static void
waterfall(const struct report *r, size_t k)
{
	static const struct {
		enum metric m;
		int sign;
		const char *name;
	} steps[] = { { M_NEW_MRR, 1, "New" },
	    { M_EXPANSION_MRR, 1, "Expansion" },
	    { M_REACTIVATION_MRR, 1, "Reactivation" },
	    { M_CONTRACTION_MRR, -1, "Contraction" },
	    { M_CHURNED_MRR, -1, "Churn" } };
	int64_t start = k > 0 ? cell(r, k - 1, M_MRR)->v :
	    cell(r, k, M_MRR)->v, level = start, max = start, end;
	int bw = (CHART_W - PAD_L - 20) / 7 - 12, x = PAD_L + 10;
	char v[64];

	int bad = 0;

	if (k == 0) {
		start = cell(r, k, M_MRR)->v;
		for (size_t i = 0; i < 5; i++)
			bad |= money_add(start, -steps[i].sign *
			    cell(r, k, steps[i].m)->v, &start) != MONEY_OK;
		level = max = start;
	}
	end = cell(r, k, M_MRR)->v;
	for (size_t i = 0; i < 5; i++) {
		bad |= money_add(level, steps[i].sign *
		    cell(r, k, steps[i].m)->v, &level) != MONEY_OK;
		max = level > max ? level : max;
	}
	if (bad) {
		cli_data_error(NULL, 0, NULL, "%s: a step of the MRR bridge "
		    "does not fit in 64 bits", r->t->period[k]);
		return;
	}
	max = end > max ? end : max;
	svg_open(r->fp, "MRR bridge");
	axis(r, M_MRR, 0, max);
	level = start;
	for (size_t i = 0; i < 7; i++, x += bw + 12) {
		int64_t lo, hi, amount;
		const char *name, *fill;

		if (i == 0 || i == 6) {
			amount = i == 0 ? start : end;
			lo = 0;
			hi = amount;
			name = i == 0 ? "Start" : "End";
			fill = "#8a94a6";
		} else {
			amount = cell(r, k, steps[i - 1].m)->v;
			lo = steps[i - 1].sign > 0 ? level : level - amount;
			hi = steps[i - 1].sign > 0 ? level + amount : level;
			level += steps[i - 1].sign * amount;
			name = steps[i - 1].name;
			fill = steps[i - 1].sign > 0 ? "#1a7f37" : "#c0392b";
		}
		money_format_grouped(v, amount, r->exp, r->exp);
		fprintf(r->fp, "<rect x=\"%d\" y=\"%d\" width=\"%d\" "
		    "height=\"%d\" fill=\"%s\"><title>%s: %s</title></rect>\n"
		    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
		    x, y_of(hi, 0, max), bw, y_of(lo, 0, max) - y_of(hi, 0, max)
		    + (hi == lo), fill, name, v, x + bw / 2, CHART_H - 10, name);
	}
	fputs("</svg>\n", r->fp);
}

/* ---- tables ----------------------------------------------------------------------- */

static void
metric_table(const struct report *r)
{
	static const enum metric cols[] = { M_MRR, M_NEW_MRR,
	    M_EXPANSION_MRR, M_CONTRACTION_MRR, M_CHURNED_MRR,
	    M_REACTIVATION_MRR, M_NRR, M_GRR, M_LOGO_CHURN_RATE };
	char v[64];

	fputs("<table><tr><th>Period</th>", r->fp);
	for (size_t j = 0; j < sizeof(cols) / sizeof(cols[0]); j++)
		fprintf(r->fp, "<th>%s</th>", metrics_defs[cols[j]].title);
	fputs("</tr>\n", r->fp);
	for (size_t k = 0; k < r->t->nperiod; k++) {
		fprintf(r->fp, "<tr><td>%s</td>", r->t->period[k]);
		for (size_t j = 0; j < sizeof(cols) / sizeof(cols[0]); j++) {
			const struct metrics_cell *c = cell(r, k, cols[j]);

			if (c->set)
				shown(r, cols[j], c->v, v);
			fprintf(r->fp, "<td>%s</td>", c->set ? v : "");
		}
		fputs("</tr>\n", r->fp);
	}
	fputs("</table>\n", r->fp);
}

static void
forecast(struct report *r, struct db *db, int32_t as_of)
{
	int32_t month = date_month_of(as_of);
	int32_t last = date_month_start(month + 6) - 1;
	struct pipeline_forecast *f;
	size_t n;
	int exp;
	char a[64], b[64], c[64], d[64];

	/* six months on, or to the end of the calendar if it comes first */
	f = pipeline_forecast_sums(db, 0, date_month_start(month),
	    last < DATE_MAX ? last : DATE_MAX, NULL, r->currency, &n, &exp);
	fputs("<h2>Pipeline forecast</h2>\n<table><tr><th>Expected close</th>"
	    "<th>Open deals</th><th>Pipeline</th><th>Weighted</th>"
	    "<th>Commit</th><th>Won</th></tr>\n", r->fp);
	for (size_t i = 0; i < n; i++) {
		money_format_grouped(a, f[i].pipeline, exp, exp);
		money_format_grouped(b, f[i].weighted, exp, exp);
		money_format_grouped(c, f[i].commit, exp, exp);
		money_format_grouped(d, f[i].won, exp, exp);
		fprintf(r->fp, "<tr><td>%s</td><td>%ld</td><td>%s</td>"
		    "<td>%s</td><td>%s</td><td>%s</td></tr>\n", f[i].period,
		    f[i].open, a, b, c, d);
	}
	fputs("</table>\n", r->fp);
	free(f);
}

static void
aging(struct report *r, struct db *db, int32_t as_of)
{
	static const char *const names[] = { "Current", "1\u201330 days",
	    "31\u201360 days", "61\u201390 days", "Over 90 days" };
	struct fx *fx = fx_open(db, r->currency);
	int64_t bucket[5], total = 0, max = 1;
	char v[64];

	if (ar_aging_totals(db, as_of, fx, bucket) != 0) {
		fx_close(fx);
		return;
	}
	fx_close(fx);
	for (int i = 0; i < 5; i++) {
		if (money_add(total, bucket[i], &total) != MONEY_OK) {
			cli_data_error(NULL, 0, NULL, "the open balance in %s "
			    "does not fit in 64 bits", r->currency);
			return;
		}
		max = bucket[i] > max ? bucket[i] : max;
	}
	fputs("<h2>Accounts receivable aging</h2>\n", r->fp);
	fprintf(r->fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"150\" role=\"img\" aria-label=\"AR aging\">\n", CHART_W);
	for (int i = 0; i < 5; i++) {
		int w = bucket[i] > 0 ? (int)((__int128)bucket[i] *
		    (CHART_W - 260) / max) : 0;

		money_format_grouped(v, bucket[i], r->exp, r->exp);
		fprintf(r->fp, "<text x=\"110\" y=\"%d\" text-anchor=\"end\">"
		    "%s</text><rect x=\"120\" y=\"%d\" width=\"%d\" height=\"20\" "
		    "fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>\n",
		    20 + i * 26, names[i], 6 + i * 26, w, i == 0 ? "#2f6fdf" :
		    i < 3 ? "#e08a1e" : "#c0392b", 126 + w, 20 + i * 26, v);
	}
	fputs("</svg>\n", r->fp);
	money_format_grouped(v, total, r->exp, r->exp);
	fprintf(r->fp, "<p class=\"note\">Open balance %s %s as of the report "
	    "date; the buckets add up to it.</p>\n", v, r->currency);
}

/* ---- the file --------------------------------------------------------------------- */

static void
write_report(struct report *r, struct db *db, int32_t as_of)
{
	static const enum metric mrr_arr[] = { M_MRR, M_ARR };
	static const enum metric churn[] = { M_LOGO_CHURN_RATE,
	    M_GROSS_REVENUE_CHURN, M_NET_REVENUE_CHURN };
	static const enum metric retention[] = { M_NRR, M_GRR };
	size_t last = r->t->nperiod - 1;
	char day[DATE_FMT_MAX];

	date_format(day, as_of);
	fprintf(r->fp, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>Revenue report %s</title>"
	    "<style>%s</style></head><body>\n<h1>Revenue report</h1>\n"
	    "<p class=\"sub\">Period %s, as of %s; money in ", day, css,
	    r->t->period[last], day);
	html_put(r->fp, r->currency);
	fputs(".</p>\n<div class=\"cards\">\n", r->fp);
	for (size_t i = 0; i < sizeof(headline) / sizeof(headline[0]); i++)
		card(r, last, headline[i]);
	fprintf(r->fp, "</div>\n<h2>MRR bridge, %s</h2>\n", r->t->period[last]);
	waterfall(r, last);
	fputs("<h2>MRR and ARR</h2>\n", r->fp);
	line_chart(r, "MRR and ARR", mrr_arr, 2);
	fputs("<h2>Churn</h2>\n", r->fp);
	line_chart(r, "Churn", churn, 3);
	fputs("<h2>Retention</h2>\n", r->fp);
	line_chart(r, "Retention", retention, 2);
	metric_table(r);
	forecast(r, db, as_of);
	aging(r, db, as_of);
	fputs("<p class=\"note\">Made by revops-metrics; every figure is "
	    "defined in revops-metrics(1).</p>\n</body></html>\n", r->fp);
}

int
report_write(struct db *db, const char *path, mode_t mode,
    const struct measure_opts *o, int32_t as_of)
{
	struct report r = { .fp = NULL };
	struct metrics_table *t;
	struct outfile *file;
	struct fx *fx;
	char code[4];

	db_begin_read(db);
	if ((t = measure_table(db, o)) == NULL) {
		db_commit(db);
		return CLI_EDATA;
	}
	fx = fx_open(db, o->currency);
	snprintf(code, sizeof(code), "%s", fx_currency(fx));
	fx_close(fx);
	file = outfile_open(path, mode);
	r.fp = outfile_fp(file);
	r.t = t;
	r.exp = t->exponent;
	r.currency = code;
	write_report(&r, db, as_of);
	db_commit(db);
	metrics_table_free(t);
	if (cli_data_errors() > 0) {
		outfile_abort(file);
		return CLI_EDATA;
	}
	return outfile_commit(file) == 0 ? CLI_OK : CLI_EIO;
}
