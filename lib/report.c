/*
 * The nightly HTML report.
 *
 * It must read as a finance dashboard does, on a laptop, a phone and on
 * paper, so the charts follow the habits of those: an SVG with a viewBox
 * that CSS scales to the width there is; an axis from a round tick at or
 * below the data to one at or above it, in steps of 1, 2 or 5 times a
 * power of ten, with a light gridline at each; one measure per axis; a
 * legend outside the plot; the period labels thinned evenly from the
 * last, which is always labelled.  Amounts are formatted from their
 * integers; only the pixel positions of a chart are worked out in
 * double.  Every figure comes from measure.c, as revops-metrics writes
 * it: the per-period table, and each account's steps (the cohorts and
 * the largest movements), so the report and the metrics always agree.
 *
 * The file is written next to its final name and renamed over it when
 * whole, so a reader (a mail job, a browser) never sees half a report,
 * and a failed run leaves yesterday's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ar.h"
#include "cli.h"
#include "date.h"
#include "db.h"
#include "entity.h"
#include "fx.h"
#include "html.h"
#include "measure.h"
#include "metrics.h"
#include "money.h"
#include "mrr.h"
#include "outfile.h"
#include "pipeline.h"
#include "report.h"

/* A chart's drawing units (its viewBox), and its text: the width of a
 * digit of the 13-unit font, for the room its labels take. */
#define CHART_W 480
#define CHART_H 220
#define CHART_TOP 24
#define CHART_BOTTOM 30
#define CHART_RIGHT 10
#define DIGIT_W 7.6
#define INTERVALS 5		/* at most, on an axis */
#define COHORTS 12		/* the latest periods' cohorts */
#define TOP_N 10		/* accounts in each list of movements */

static const char css[] =
    "*{box-sizing:border-box}"
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,"
    "sans-serif;margin:0 auto;max-width:1180px;padding:16px;color:#1d2433}"
    "h1{font-size:22px;margin:4px 0 2px}"
    "h2{font-size:17px;margin:30px 0 6px;padding-top:8px;"
    "border-top:1px solid #e3e7ee;break-after:avoid}"
    "h3{font-size:14px;margin:10px 0 2px;break-after:avoid}"
    ".sub{color:#5b6475;margin:0 0 14px}"
    ".note{color:#5b6475;font-size:12px;margin:4px 0}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,"
    "minmax(150px,1fr));gap:8px}"
    ".card{border:1px solid #d9dee8;border-radius:6px;padding:7px 10px;"
    "break-inside:avoid}"
    ".card .k{color:#5b6475;font-size:12px}"
    ".card .v{font-size:19px;font-weight:600;white-space:nowrap}"
    ".cur{font-size:11px;font-weight:400;color:#5b6475}"
    ".d{font-size:12px;white-space:nowrap;color:#5b6475}"
    ".up{color:#1a7f37}.down{color:#c0392b}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fit,"
    "minmax(min(100%,420px),1fr));gap:4px 32px}"
    "figure{margin:0;break-inside:avoid}"
    "svg{display:block;width:100%;height:auto}"
    "svg text{font-size:13px;fill:#5b6475}"
    "svg .val{fill:#1d2433;font-weight:600}"
    ".legend{font-size:12px;color:#5b6475;margin:0 0 2px}"
    ".legend span{white-space:nowrap}"
    ".legend i{display:inline-block;width:10px;height:10px;"
    "margin:0 4px 0 12px;border-radius:2px}"
    ".legend span:first-child i{margin-left:0}"
    ".scroll{overflow-x:auto}"
    "table{border-collapse:collapse;font-variant-numeric:tabular-nums;"
    "margin:4px 0;break-inside:avoid}"
    "td,th{padding:3px 9px;text-align:right;border-bottom:1px solid "
    "#eceff4;white-space:nowrap}"
    "th{font-size:12px;font-weight:600;color:#5b6475;vertical-align:bottom}"
    "th:first-child,td:first-child{text-align:left}"
    "tr.total td{font-weight:600;border-top:1px solid #c8ced9}"
    "td.heat{text-align:center;min-width:46px}"
    ".empty{font-size:16px;padding:20px;border:1px dashed #c8ced9;"
    "border-radius:6px}"
    "@media print{body{max-width:none;padding:0;font-size:11px}"
    ".scroll{overflow:visible}td,th{padding:2px 5px}"
    "h2{margin-top:16px}}";

/* Series colours: one per series of a chart. */
static const char *const colour[] = { "#2f6fdf", "#e08a1e", "#7b4fc9",
    "#1a7f37", "#c0392b" };
#define COLOUR_UP "#1a7f37"
#define COLOUR_DOWN "#c0392b"
#define COLOUR_LEVEL "#8a94a6"

/* How a figure is shown: an amount of the report currency, a percent
 * (the rates, which are percent x 10^2), or a plain number; scale
 * decimals. */
enum as { AS_MONEY, AS_PERCENT, AS_NUMBER };
struct look {
	enum as as;
	int scale;
};

struct fig {
	int64_t v;
	int set;
};

/* One account's movement in the report's period, for the lists. */
struct mover {
	char id[ENTITY_ID_MAX + 1];
	int64_t start, end, amount;
	enum movement mv;
};

/* The top of each list, the largest amount first. */
struct movers {
	struct mover m[TOP_N];
	size_t n;
};

/* The cohorts of the latest periods: the accounts new in each, and their
 * MRR then and in each period after. */
struct cohorts {
	size_t first, n;		/* periods first.. of the table */
	int64_t *accounts;		/* [cohort] */
	int64_t *mrr;			/* [cohort][periods after] */
	int overflow;
};

struct report {
	FILE *fp;
	const struct metrics_table *t;	/* the company's */
	const struct metrics_table *seg;	/* --segment's, or NULL */
	const struct measure_opts *o;
	int exp;
	const char *currency;
	struct movers churned, contracted, expanded;
	struct cohorts co;
};

/* ---- numbers ------------------------------------------------------------------ */

static const int64_t pow10_i64[] = { 1, 10, 100, 1000, 10000, 100000,
    1000000, 10000000, 100000000, 1000000000 };

int64_t
report_step(int64_t span, int intervals)
{
	static const int nice[] = { 1, 2, 5 };
	int64_t want = span <= 0 ? 1 : (span - 1) / intervals + 1;

	for (int64_t p = 1;; p *= 10)
		for (int i = 0; i < 3; i++)
			if (nice[i] * p >= want || (p > INT64_MAX / 10 && i == 2))
				return nice[i] * p;
}

size_t
report_thin(size_t n, size_t fit)
{
	if (fit < 1)
		fit = 1;
	return n <= fit ? 1 : (n - 1) / fit + 1;
}

size_t
report_tick(char *buf, int64_t v, int scale, int64_t step)
{
	int d = scale;

	/* the decimals that the step does not make all zero */
	while (d > 0 && step % pow10_i64[scale - d + 1] == 0)
		d--;
	return money_format_grouped(buf, v / pow10_i64[scale - d], d, d);
}

static struct look
look_of(const struct report *r, enum metric m)
{
	switch (metrics_defs[m].kind) {
	case MK_MONEY:
		return (struct look){ AS_MONEY, r->exp };
	case MK_RATE:
		return (struct look){ AS_PERCENT, METRICS_RATE_SCALE - 2 };
	case MK_DAYS:
	case MK_MONTHS:
		return (struct look){ AS_NUMBER, METRICS_DAYS_SCALE };
	case MK_COUNT:
		break;
	}
	return (struct look){ AS_NUMBER, 0 };
}

/* A figure as shown, grouped in thousands, in buf of MONEY_GROUPED_MAX
 * bytes. */
static char *
shown(char *buf, struct look l, int64_t v)
{
	money_format_grouped(buf, v, l.scale, l.scale);
	if (l.as == AS_PERCENT)
		strcat(buf, "%");
	return buf;
}

/* A figure in running text: an amount with its currency. */
static void
put_fig(const struct report *r, struct look l, int64_t v)
{
	char buf[MONEY_GROUPED_MAX];

	fputs(shown(buf, l, v), r->fp);
	if (l.as == AS_MONEY) {
		fputs("&nbsp;<span class=\"cur\">", r->fp);
		html_put(r->fp, r->currency);
		fputs("</span>", r->fp);
	}
}

static struct fig
fig_of(const struct report *r, size_t k, enum metric m)
{
	const struct metrics_cell *c = metrics_cell(r->t, k, 0, m);

	return (struct fig){ c->v, c->set };
}

/* The quick ratio of period k x 10^2: what came in over what went out;
 * unset when nothing went out. */
static struct fig
quick_ratio(const struct metrics_table *t, size_t k, size_t s)
{
	__int128 in = 0, out = 0;
	struct fig f = { 0, 0 };

	in += metrics_cell(t, k, s, M_NEW_MRR)->v;
	in += metrics_cell(t, k, s, M_EXPANSION_MRR)->v;
	in += metrics_cell(t, k, s, M_REACTIVATION_MRR)->v;
	out += metrics_cell(t, k, s, M_CONTRACTION_MRR)->v;
	out += metrics_cell(t, k, s, M_CHURNED_MRR)->v;
	f.set = metrics_ratio(in, out, 2, &f.v) == 0;
	return f;
}

static const struct look quick_look = { AS_NUMBER, 2 };

/* ---- the headline -------------------------------------------------------------- */

/* Whether more of a figure is good news: churn, DSO and the churned MRR
 * are better lower. */
static int
higher_is_better(enum metric m)
{
	return m != M_LOGO_CHURN_RATE && m != M_CHURNED_MRR && m != M_DSO &&
	    m != M_GROSS_REVENUE_CHURN && m != M_NET_REVENUE_CHURN;
}

/* A card: the figure of the last period and its change from the one
 * before; a change of a rate in percentage points. */
static void
card(const struct report *r, const char *title, struct look l,
    struct fig now, struct fig was, int higher_better)
{
	size_t k = r->t->nperiod - 1;
	char d[MONEY_GROUPED_MAX];

	fputs("<div class=\"card\"><div class=\"k\">", r->fp);
	fputs(title, r->fp);
	fputs("</div><div class=\"v\">", r->fp);
	if (now.set)
		put_fig(r, l, now.v);
	else
		fputs("&mdash;", r->fp);
	fputs("</div>", r->fp);
	if (now.set && was.set) {
		int64_t delta;
		int good;

		if (__builtin_sub_overflow(now.v, was.v, &delta) ||
		    delta == INT64_MIN) {
			cli_data_error(NULL, 0, NULL, "%s: the change of %s "
			    "since %s does not fit in 64 bits",
			    r->t->period[k], title, r->t->period[k - 1]);
			return;
		}
		good = delta == 0 ? -1 : (delta > 0) == higher_better;
		money_format_grouped(d, delta < 0 ? -delta : delta, l.scale,
		    l.scale);
		fprintf(r->fp, "<div class=\"d %s\">%s %s%s vs %s</div>",
		    good < 0 ? "" : good ? "up" : "down",
		    delta > 0 ? "&#9650;" : delta < 0 ? "&#9660;" : "=", d,
		    l.as == AS_PERCENT ? " pp" : "", r->t->period[k - 1]);
	}
	fputs("</div>\n", r->fp);
}

static void
headline(const struct report *r)
{
	static const enum metric cards[] = { M_MRR, M_ARR, M_NRR, M_GRR,
	    M_LOGO_CHURN_RATE, M_NEW_MRR, M_CHURNED_MRR, M_PAYING_ACCOUNTS,
	    M_ARPA, M_LTV, M_DSO, M_CSAT, M_WIN_RATE, M_RPO };
	size_t k = r->t->nperiod - 1;
	struct fig none = { 0, 0 };

	fputs("<div class=\"cards\">\n", r->fp);
	for (size_t i = 0; i < sizeof(cards) / sizeof(cards[0]); i++) {
		enum metric m = cards[i];

		card(r, metrics_defs[m].title, look_of(r, m), fig_of(r, k, m),
		    k > 0 ? fig_of(r, k - 1, m) : none, higher_is_better(m));
		if (m == M_ARPA)
			card(r, "Quick ratio", quick_look,
			    quick_ratio(r->t, k, 0), k > 0 ?
			    quick_ratio(r->t, k - 1, 0) : none, 1);
	}
	fprintf(r->fp, "</div>\n<p class=\"note\">ARR is MRR &times; 12. "
	    "Quick ratio: (new + expansion + reactivation) &divide; "
	    "(contraction + churn). DSO by the %s.</p>\n", r->o->countback ?
	    "countback method: the days of the latest months whose invoicing "
	    "the receivables at the period's end cover" :
	    "standard method: receivables at the period's end &divide; "
	    "invoiced in the period &times; its days");
}

/* ---- charts ------------------------------------------------------------------- */

/* The range of an axis: from a tick at or below the lowest value to one
 * at or above the highest, with zero in it when asked. */
struct axis {
	int64_t lo, hi, step;
	struct look look;
};

static __int128
floor_to(__int128 v, int64_t step)
{
	__int128 q = v / step;

	return (q * step > v ? q - 1 : q) * step;
}

static int64_t
clamp64(__int128 v)
{
	return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN :
	    (int64_t)v;
}

static struct axis
axis_for(int64_t min, int64_t max, struct look l, int zero)
{
	struct axis a = { 0, 0, 0, l };
	__int128 span, lo, hi;

	if (zero) {
		min = min > 0 ? 0 : min;
		max = max < 0 ? 0 : max;
	}
	span = (__int128)max - min;
	if (span == 0) {
		/* flat: the value a step in from either end, on steps of about
		 * a fifth of it; 0 at the foot of one whole unit */
		__int128 base = max != 0 ? (max < 0 ? -(__int128)max : max) :
		    pow10_i64[l.scale];

		a.step = report_step(clamp64(base), INTERVALS);
		lo = max == 0 ? 0 : floor_to((__int128)min - a.step, a.step);
		hi = max == 0 ? base : -floor_to(-(__int128)max - a.step,
		    a.step);
		if (min >= 0 && lo < 0)
			lo = 0;
		a.lo = clamp64(lo);
		a.hi = clamp64(hi);
		return a;
	}
	a.step = report_step(clamp64(span), INTERVALS);
	lo = floor_to(min, a.step);
	hi = -floor_to(-(__int128)max, a.step);
	a.lo = clamp64(lo);
	a.hi = clamp64(hi);
	return a;
}

/* A chart being drawn: its axis and the box of its plot. */
struct plot {
	FILE *fp;
	struct axis ax;
	double left, right, top, bottom;
	size_t n;		/* periods, one slot each */
};

static double
x_at(const struct plot *p, size_t i)
{
	return p->left + ((double)i + 0.5) * (p->right - p->left) /
	    (double)p->n;
}

static double
y_at(const struct plot *p, int64_t v)
{
	return p->bottom - ((double)v - (double)p->ax.lo) /
	    ((double)p->ax.hi - (double)p->ax.lo) * (p->bottom - p->top);
}

static void
tick_label(char *buf, const struct axis *a, int64_t v)
{
	report_tick(buf, v, a->look.scale, a->step);
	if (a->look.as == AS_PERCENT)
		strcat(buf, "%");
}

/* The legend, above the plot where no line can cross it. */
static void
legend(FILE *fp, const char *const *names, const char *const *colours,
    size_t n)
{
	fputs("<div class=\"legend\">", fp);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "<span><i style=\"background:%s\"></i>%s</span>",
		    colours[i], names[i]);
	fputs("</div>\n", fp);
}

/*
 * Opens the SVG of a chart over the periods of r: the gridlines and the
 * labels of the axis, the currency above it, and the periods below,
 * thinned evenly from the last.  Returns the plot to draw in.
 */
static struct plot
plot_open(const struct report *r, const char *label, struct axis ax,
    const char (*period)[16], size_t n)
{
	struct plot p = { r->fp, ax, 0, CHART_W - CHART_RIGHT, CHART_TOP,
	    CHART_H - CHART_BOTTOM, n };
	char buf[MONEY_GROUPED_MAX + 2];
	size_t widest = 0, every, fit;

	for (__int128 v = ax.lo; v <= ax.hi; v += ax.step) {
		tick_label(buf, &ax, (int64_t)v);
		widest = strlen(buf) > widest ? strlen(buf) : widest;
	}
	p.left = 12 + (double)widest * DIGIT_W;
	fprintf(r->fp, "<svg viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"%s\">\n", CHART_W, CHART_H, label);
	for (__int128 v = ax.lo; v <= ax.hi; v += ax.step) {
		double y = y_at(&p, (int64_t)v);

		tick_label(buf, &ax, (int64_t)v);
		fprintf(r->fp, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"end\">%s</text>\n", p.left, p.right, y, y,
		    v == 0 && ax.lo < 0 ? "#8a94a6" : "#e6e9ef", p.left - 6,
		    y + 4, buf);
	}
	if (ax.look.as == AS_MONEY) {
		fprintf(r->fp, "<text x=\"%.1f\" y=\"10\" "
		    "text-anchor=\"end\">", p.left - 6);
		html_put(r->fp, r->currency);
		fputs("</text>\n", r->fp);
	}
	fit = (size_t)((p.right - p.left) / ((double)strlen(period[0]) *
	    DIGIT_W + 14));
	every = report_thin(n, fit);
	for (size_t i = n; i-- > 0;)
		if ((n - 1 - i) % every == 0)
			fprintf(r->fp, "<text x=\"%.1f\" y=\"%d\" "
			    "text-anchor=\"middle\">%s</text>\n", x_at(&p, i),
			    CHART_H - 10, period[i]);
	return p;
}

/* The lowest and highest of the set values of series of n. */
static int
range_of(const struct fig *const *s, size_t ns, size_t n, int64_t *min,
    int64_t *max)
{
	int any = 0;

	for (size_t j = 0; j < ns; j++)
		for (size_t k = 0; k < n; k++)
			if (s[j][k].set) {
				if (!any || s[j][k].v < *min)
					*min = s[j][k].v;
				if (!any || s[j][k].v > *max)
					*max = s[j][k].v;
				any = 1;
			}
	return any;
}

/* Lines of ns series of one measure over the periods, with a dot at each
 * value; a gap where one is unset. */
static void
line_chart(const struct report *r, const char *label, const char *const *names,
    const struct fig *const *s, size_t ns, struct look l)
{
	size_t n = r->t->nperiod;
	int64_t min = 0, max = 0;
	struct plot p;

	if (!range_of(s, ns, n, &min, &max)) {
		fputs("<p class=\"note\">No values in these periods.</p>\n",
		    r->fp);
		return;
	}
	if (ns > 1)
		legend(r->fp, names, colour, ns);
	p = plot_open(r, label, axis_for(min, max, l, 0), r->t->period, n);
	for (size_t j = 0; j < ns; j++) {
		int open = 0;

		fprintf(r->fp, "<path fill=\"none\" stroke=\"%s\" "
		    "stroke-width=\"2.5\" d=\"", colour[j]);
		for (size_t k = 0; k < n; k++) {
			if (!s[j][k].set) {
				open = 0;
				continue;
			}
			fprintf(r->fp, "%c%.1f %.1f ", open ? 'L' : 'M',
			    x_at(&p, k), y_at(&p, s[j][k].v));
			open = 1;
		}
		fputs("\"/>\n", r->fp);
		for (size_t k = 0; k < n; k++)
			if (s[j][k].set)
				fprintf(r->fp, "<circle cx=\"%.1f\" cy=\"%.1f\" "
				    "r=\"3\" fill=\"%s\"/>\n", x_at(&p, k),
				    y_at(&p, s[j][k].v), colour[j]);
	}
	fputs("</svg>\n", r->fp);
}

/* The figures of metrics ms over the periods, as series; the caller
 * frees each. */
static void
series_of(const struct report *r, const enum metric *ms, size_t nm,
    struct fig **out)
{
	for (size_t j = 0; j < nm; j++) {
		out[j] = cli_calloc(r->t->nperiod, sizeof(**out));
		for (size_t k = 0; k < r->t->nperiod; k++)
			out[j][k] = fig_of(r, k, ms[j]);
	}
}

static void
metric_chart(const struct report *r, const char *label,
    const enum metric *ms, size_t nm)
{
	struct fig *s[4];
	const char *names[4];

	series_of(r, ms, nm, s);
	for (size_t j = 0; j < nm; j++)
		names[j] = metrics_defs[ms[j]].title;
	line_chart(r, label, names, (const struct fig *const *)s, nm,
	    look_of(r, ms[0]));
	for (size_t j = 0; j < nm; j++)
		free(s[j]);
}

static void
quick_chart(const struct report *r)
{
	struct fig *s = cli_calloc(r->t->nperiod, sizeof(*s));
	const char *name = "Quick ratio";

	for (size_t k = 0; k < r->t->nperiod; k++)
		s[k] = quick_ratio(r->t, k, 0);
	line_chart(r, name, &name, (const struct fig *const *)&s, 1,
	    quick_look);
	free(s);
}

static void
figure_open(const struct report *r, const char *caption)
{
	fprintf(r->fp, "<figure><h3>%s</h3>\n", caption);
}

static void
figure_close(const struct report *r, const char *note)
{
	if (note != NULL)
		fprintf(r->fp, "<p class=\"note\">%s</p>\n", note);
	fputs("</figure>\n", r->fp);
}

/* The MRR movements, in the order of the bridge: up, then down. */
static const enum metric moves[] = { M_NEW_MRR, M_EXPANSION_MRR,
    M_REACTIVATION_MRR, M_CONTRACTION_MRR, M_CHURNED_MRR };
static const char *const move_names[] = { "New", "Expansion",
    "Reactivation", "Contraction", "Churn" };
static const char *const move_colours[] = { "#1a7f37", "#5cb85c",
    "#2f6fdf", "#e08a1e", "#c0392b" };
#define NMOVES 5
#define NUP 3			/* the first NUP add MRR */

/*
 * The MRR bridge of the last period, across, so that the names and the
 * amounts have room on a phone: the start, each movement as a step right
 * or left from where the last one left off, with its amount beside it,
 * and the end.  The axis starts where the levels do, so that a churn of
 * a small part of the MRR is a bar that can be seen; the start and end
 * bars are broken at their left to say that they run on below it.
 */
#define BRIDGE_ROW 28
#define BRIDGE_NAMES 96		/* the column of the names */
#define BRIDGE_VALUES 84	/* room right of the plot for an amount */

static void
bridge(const struct report *r, size_t k)
{
	static const char *const names[] = { "Start", "New", "Expansion",
	    "Reactivation", "Contraction", "Churn", "End" };
	int64_t level[NMOVES + 2], lo, hi, end = fig_of(r, k, M_MRR).v;
	int bad = 0, h = CHART_TOP + (NMOVES + 2) * BRIDGE_ROW + 22;
	double left = BRIDGE_NAMES, right = CHART_W - BRIDGE_VALUES;
	struct axis ax;
	char v[MONEY_GROUPED_MAX + 2];

	/* the start: the MRR before, or worked back from the movements of
	 * the first period */
	level[0] = k > 0 ? fig_of(r, k - 1, M_MRR).v : end;
	for (size_t i = 0; k == 0 && i < NMOVES; i++)
		bad |= money_add(level[0], (i < NUP ? -1 : 1) *
		    fig_of(r, k, moves[i]).v, &level[0]) != MONEY_OK;
	lo = hi = level[0];
	for (size_t i = 0; i < NMOVES; i++) {
		bad |= money_add(level[i], (i < NUP ? 1 : -1) *
		    fig_of(r, k, moves[i]).v, &level[i + 1]) != MONEY_OK;
		lo = level[i + 1] < lo ? level[i + 1] : lo;
		hi = level[i + 1] > hi ? level[i + 1] : hi;
	}
	level[NMOVES + 1] = end;
	if (bad) {
		cli_data_error(NULL, 0, NULL, "%s: a step of the MRR bridge "
		    "does not fit in 64 bits", r->t->period[k]);
		return;
	}
	ax = axis_for(lo, hi, look_of(r, M_MRR), 0);
	if (ax.lo == lo && lo > 0)	/* the lowest bar longer than nothing */
		ax.lo = lo > ax.step ? lo - ax.step : 0;
	fprintf(r->fp, "<svg viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"MRR bridge\">\n<text x=\"8\" y=\"%d\">", CHART_W,
	    h, h - 4);
	html_put(r->fp, r->currency);
	fputs("</text>\n", r->fp);
	for (__int128 t = ax.lo; t <= ax.hi; t += ax.step) {
		double x = left + ((double)t - (double)ax.lo) /
		    ((double)ax.hi - (double)ax.lo) * (right - left);

		tick_label(v, &ax, (int64_t)t);
		fprintf(r->fp, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" "
		    "y2=\"%d\" stroke=\"#e6e9ef\"/><text x=\"%.1f\" "
		    "y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, x,
		    CHART_TOP - 4, h - 18, x, h - 4, v);
	}
	for (size_t i = 0; i < NMOVES + 2; i++) {
		int ends = i == 0 || i == NMOVES + 1;
		int64_t amount = ends ? level[i] : fig_of(r, k, moves[i - 1]).v;
		int64_t from = ends ? ax.lo : i <= NUP ? level[i - 1] : level[i];
		int64_t to = ends ? level[i] : i <= NUP ? level[i] :
		    level[i - 1];
		double x0 = left + ((double)from - (double)ax.lo) /
		    ((double)ax.hi - (double)ax.lo) * (right - left);
		double x1 = left + ((double)to - (double)ax.lo) /
		    ((double)ax.hi - (double)ax.lo) * (right - left);
		int y = CHART_TOP + (int)i * BRIDGE_ROW;

		money_format_grouped(v, amount, r->exp, r->exp);
		fprintf(r->fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">"
		    "%s</text><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
		    "height=\"%d\" fill=\"%s\"/><text class=\"val\" "
		    "x=\"%.1f\" y=\"%d\">%s%s</text>\n", BRIDGE_NAMES - 8,
		    y + 17, names[i], x0, y + 4, x1 - x0 < 1 ? 1 : x1 - x0,
		    BRIDGE_ROW - 8, ends ? COLOUR_LEVEL : i <= NUP ? COLOUR_UP :
		    COLOUR_DOWN, x1 + 5, y + 17, ends || amount == 0 ? "" :
		    i <= NUP ? "+" : "&minus;", v);
		if (ends && ax.lo > 0)	/* the break */
			fprintf(r->fp, "<path d=\"M%.1f %d l6 %d M%.1f %d l6 %d\" "
			    "stroke=\"#fff\" stroke-width=\"2\"/>\n", x0 + 4,
			    y + 4, BRIDGE_ROW - 8, x0 + 9, y + 4, BRIDGE_ROW - 8);
	}
	fputs("</svg>\n", r->fp);
}

/* Each period's movements as a stacked bar: what came in above zero,
 * what went out below it. */
static void
movements_chart(const struct report *r)
{
	size_t n = r->t->nperiod;
	int64_t min = 0, max = 0;
	struct plot p;

	for (size_t k = 0; k < n; k++) {
		__int128 up = 0, down = 0;

		for (size_t i = 0; i < NMOVES; i++)
			*(i < NUP ? &up : &down) += fig_of(r, k, moves[i]).v;
		max = clamp64(up) > max ? clamp64(up) : max;
		min = clamp64(-down) < min ? clamp64(-down) : min;
	}
	legend(r->fp, move_names, move_colours, NMOVES);
	p = plot_open(r, "MRR movements", axis_for(min, max,
	    look_of(r, M_MRR), 1), r->t->period, n);
	for (size_t k = 0; k < n; k++) {
		double w = (p.right - p.left) / (double)n * 0.64;
		__int128 up = 0, down = 0;

		for (size_t i = 0; i < NMOVES; i++) {
			int64_t v = fig_of(r, k, moves[i]).v;
			__int128 *at = i < NUP ? &up : &down;
			double y0, y1;
			char buf[MONEY_GROUPED_MAX];

			if (v == 0)
				continue;
			y0 = y_at(&p, clamp64(i < NUP ? *at : -*at));
			*at += v;
			y1 = y_at(&p, clamp64(i < NUP ? *at : -*at));
			money_format_grouped(buf, v, r->exp, r->exp);
			fprintf(r->fp, "<rect x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
			    "<title>%s %s: %s</title></rect>\n",
			    x_at(&p, k) - w / 2, y0 < y1 ? y0 : y1, w,
			    y0 < y1 ? y1 - y0 : y0 - y1, move_colours[i],
			    r->t->period[k], move_names[i], buf);
		}
	}
	fputs("</svg>\n", r->fp);
}

/* ---- tables ------------------------------------------------------------------- */

static void
td(const struct report *r, struct look l, struct fig f)
{
	char buf[MONEY_GROUPED_MAX];

	fprintf(r->fp, "<td>%s</td>", f.set ? shown(buf, l, f.v) : "");
}

/* A table of columns per period, the latest last. */
static void
period_table(const struct report *r, const char *const *heads,
    const enum metric *cols, size_t nc, int quick)
{
	fputs("<div class=\"scroll\"><table><tr><th>Period</th>", r->fp);
	for (size_t j = 0; j < nc; j++)
		fprintf(r->fp, "<th>%s</th>", heads[j]);
	if (quick)
		fputs("<th>Quick ratio</th>", r->fp);
	fputs("</tr>\n", r->fp);
	for (size_t k = 0; k < r->t->nperiod; k++) {
		fprintf(r->fp, "<tr><td>%s</td>", r->t->period[k]);
		for (size_t j = 0; j < nc; j++)
			td(r, look_of(r, cols[j]), fig_of(r, k, cols[j]));
		if (quick)
			td(r, quick_look, quick_ratio(r->t, k, 0));
		fputs("</tr>\n", r->fp);
	}
	fputs("</table></div>\n", r->fp);
}

static void
mrr_table(const struct report *r)
{
	static const enum metric cols[] = { M_MRR, M_NEW_MRR, M_EXPANSION_MRR,
	    M_REACTIVATION_MRR, M_CONTRACTION_MRR, M_CHURNED_MRR };
	static const char *const heads[] = { "MRR", "New", "Expansion",
	    "Reactivation", "Contraction", "Churn" };

	period_table(r, heads, cols, 6, 1);
}

static void
accounts_table(const struct report *r)
{
	static const enum metric cols[] = { M_PAYING_ACCOUNTS,
	    M_NEW_ACCOUNTS, M_CHURNED_ACCOUNTS, M_ARPA, M_LOGO_CHURN_RATE,
	    M_GROSS_REVENUE_CHURN, M_NET_REVENUE_CHURN, M_GRR, M_NRR };
	static const char *const heads[] = { "Paying", "New", "Churned",
	    "ARPA", "Logo churn", "Gross churn", "Net churn", "GRR", "NRR" };

	period_table(r, heads, cols, 9, 0);
}

/* ---- cohorts ------------------------------------------------------------------ */

static void
cohorts_begin(void *arg, const struct metrics_table *t)
{
	struct cohorts *c = &((struct report *)arg)->co;

	c->n = t->nperiod < COHORTS ? t->nperiod : COHORTS;
	c->first = t->nperiod - c->n;
	c->accounts = cli_calloc(c->n, sizeof(*c->accounts));
	c->mrr = cli_calloc(c->n * c->n, sizeof(*c->mrr));
}

/* An account new in one of the cohorts' periods joins it. */
static void
cohort_add(struct cohorts *c, const struct mrr_step *steps)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct mrr_step *s = &steps[c->first + i];

		if (s->move != MV_NEW)
			continue;
		c->accounts[i]++;
		for (size_t j = 0; i + j < c->n; j++)
			c->overflow |= money_add(c->mrr[i * c->n + j],
			    s[j].end, &c->mrr[i * c->n + j]) != MONEY_OK;
		return;
	}
}

/* An account's movement in the last period into its list, which keeps
 * the largest, the first in id order among equals. */
static void
mover_add(struct movers *l, const char *id, const struct mrr_step *s)
{
	size_t i = l->n < TOP_N ? l->n++ : TOP_N;

	if (i == TOP_N && s->amount <= l->m[TOP_N - 1].amount)
		return;
	if (i == TOP_N)
		i--;
	for (; i > 0 && l->m[i - 1].amount < s->amount; i--)
		l->m[i] = l->m[i - 1];
	snprintf(l->m[i].id, sizeof(l->m[i].id), "%s", id);
	l->m[i].start = s->start;
	l->m[i].end = s->end;
	l->m[i].amount = s->amount;
	l->m[i].mv = s->move;
}

static void
account_steps(void *arg, const char *id, size_t seg,
    const struct mrr_step *steps)
{
	struct report *r = arg;
	const struct mrr_step *last = &steps[r->t->nperiod - 1];

	(void)seg;
	cohort_add(&r->co, steps);
	switch (metrics_movement_metric(last->move)) {
	case M_CHURNED_MRR:
		mover_add(&r->churned, id, last);
		break;
	case M_CONTRACTION_MRR:
		mover_add(&r->contracted, id, last);
		break;
	case M_EXPANSION_MRR:
		mover_add(&r->expanded, id, last);
		break;
	default:
		break;
	}
}

/* A cell's shade of blue: the darker, the more of the cohort's first
 * MRR is kept (share x 10^3, held at 100%), light enough at the most for
 * its text. */
static void
heat_cell(const struct report *r, int64_t share)
{
	char buf[MONEY_GROUPED_MAX];
	int64_t s = share < 0 ? 0 : share > 1000 ? 1000 : share;
	int64_t light = 97 - s * 35 / 1000;

	money_format_grouped(buf, share, 1, 1);
	fprintf(r->fp, "<td class=\"heat\" style=\"background:hsl(217,68%%,"
	    "%ld%%)\">%s%%</td>", (long)light, buf);
}

static void
cohort_grid(const struct report *r)
{
	const struct cohorts *c = &r->co;
	char buf[MONEY_GROUPED_MAX];
	int any = 0;

	for (size_t i = 0; i < c->n; i++)
		any |= c->accounts[i] > 0;
	if (!any) {
		fputs("<p class=\"note\">No account paid for the first time "
		    "in these periods.</p>\n", r->fp);
		return;
	}
	fputs("<div class=\"scroll\"><table><tr><th>Cohort</th>"
	    "<th>Accounts</th><th>First MRR</th>", r->fp);
	for (size_t j = 0; j < c->n; j++)
		fprintf(r->fp, "<th>+%zu</th>", j);
	fputs("</tr>\n", r->fp);
	for (size_t i = 0; i < c->n; i++) {
		int64_t base = c->mrr[i * c->n];

		if (c->accounts[i] == 0)
			continue;
		fprintf(r->fp, "<tr><td>%s</td><td>%ld</td><td>%s</td>",
		    r->t->period[c->first + i], (long)c->accounts[i],
		    shown(buf, look_of(r, M_MRR), base));
		for (size_t j = 0; j < c->n; j++) {
			int64_t share;

			if (i + j < c->n && metrics_ratio(c->mrr[i * c->n + j],
			    base, 3, &share) == 0)
				heat_cell(r, share);
			else
				fputs("<td></td>", r->fp);
		}
		fputs("</tr>\n", r->fp);
	}
	fputs("</table></div>\n", r->fp);
}

/* ---- the largest movements -------------------------------------------------- */

static void
movers_table(const struct report *r, const char *title,
    const struct movers *l)
{
	char a[MONEY_GROUPED_MAX], b[MONEY_GROUPED_MAX], c[MONEY_GROUPED_MAX];

	fprintf(r->fp, "<figure><h3>%s</h3>\n", title);
	if (l->n == 0) {
		fputs("<p class=\"note\">None.</p></figure>\n", r->fp);
		return;
	}
	fputs("<div class=\"scroll\"><table><tr><th>Account</th>"
	    "<th>MRR before</th><th>MRR after</th><th>Change</th></tr>\n",
	    r->fp);
	for (size_t i = 0; i < l->n; i++) {
		const struct mover *m = &l->m[i];
		const char *why = m->mv == MV_PAUSED ? " (paused)" :
		    m->mv == MV_RESUMED ? " (resumed)" : "";

		fputs("<tr><td>", r->fp);
		html_put(r->fp, m->id);
		money_format_grouped(a, m->start, r->exp, r->exp);
		money_format_grouped(b, m->end, r->exp, r->exp);
		money_format_grouped(c, metrics_signed_amount(m->mv,
		    m->amount), r->exp, r->exp);
		fprintf(r->fp, "%s</td><td>%s</td><td>%s</td><td>%s</td>"
		    "</tr>\n", why, a, b, c);
	}
	fputs("</table></div></figure>\n", r->fp);
}

/* ---- segments ------------------------------------------------------------------ */

static void
segment_table(const struct report *r)
{
	static const enum metric cols[] = { M_MRR, M_PAYING_ACCOUNTS, M_ARPA,
	    M_NEW_MRR, M_EXPANSION_MRR, M_CONTRACTION_MRR, M_CHURNED_MRR,
	    M_NRR, M_LOGO_CHURN_RATE };
	static const char *const heads[] = { "MRR", "Share", "Paying",
	    "ARPA", "New", "Expansion", "Contraction", "Churn", "NRR",
	    "Logo churn" };
	const struct metrics_table *t = r->seg;
	size_t k = t->nperiod - 1, nc = sizeof(cols) / sizeof(cols[0]);
	int64_t total = fig_of(r, k, M_MRR).v;
	struct look pct = { AS_PERCENT, 2 };

	fprintf(r->fp, "<h2>By %s, %s</h2>\n<div class=\"scroll\"><table><tr>"
	    "<th>", r->o->segment, t->period[k]);
	html_put(r->fp, r->o->segment);
	fputs("</th>", r->fp);
	for (size_t j = 0; j < nc + 1; j++)
		fprintf(r->fp, "<th>%s</th>", heads[j]);
	fputs("</tr>\n", r->fp);
	for (size_t s = 0; s <= t->nsegment; s++) {
		int whole = s == t->nsegment;
		const struct metrics_table *of = whole ? r->t : t;
		size_t at = whole ? 0 : s;
		const struct metrics_cell *mrr = metrics_cell(of, k, at, M_MRR);
		struct fig share = { 0, 0 };
		int moved = 0;

		for (size_t i = 0; !whole && i < NMOVES; i++)
			moved |= metrics_cell(of, k, at, moves[i])->v != 0;
		if (!whole && mrr->v == 0 && !moved)
			continue;	/* accounts that never paid: leads */
		fputs(whole ? "<tr class=\"total\"><td>All" : "<tr><td>", r->fp);
		if (!whole)
			html_put(r->fp, t->segment[s] != NULL ? t->segment[s] :
			    "(none)");
		fputs("</td>", r->fp);
		share.set = metrics_ratio(mrr->v, total, 4, &share.v) == 0;
		for (size_t j = 0; j < nc; j++) {
			const struct metrics_cell *c = metrics_cell(of, k, at,
			    cols[j]);

			td(r, look_of(r, cols[j]), (struct fig){ c->v, c->set });
			if (j == 0)
				td(r, pct, share);
		}
		fputs("</tr>\n", r->fp);
	}
	fputs("</table></div>\n", r->fp);
}

/* ---- pipeline and receivables ------------------------------------------------- */

static void
forecast(struct report *r, struct db *db, int32_t as_of)
{
	int32_t month = date_month_of(as_of);
	int32_t last = date_month_start(month + 6) - 1;
	struct pipeline_forecast *f;
	size_t n, i;
	int exp;
	char a[64], b[64], c[64], d[64];

	/* six months on, or to the end of the calendar if it comes first */
	f = pipeline_forecast_sums(db, 0, date_month_start(month),
	    last < DATE_MAX ? last : DATE_MAX, NULL, r->currency, &n, &exp);
	fputs("<figure><h3>Pipeline forecast</h3>\n", r->fp);
	for (i = 0; i < n && f[i].open == 0 && f[i].won == 0; i++)
		;
	if (i == n)
		n = 0;		/* no deal: a line of zeros for each month */
	if (n == 0)
		fputs("<p class=\"note\">No open deals are expected to close in "
		    "the six months from the report's.</p>\n", r->fp);
	else
		fputs("<div class=\"scroll\"><table><tr><th>Expected close</th>"
		    "<th>Open deals</th><th>Pipeline</th><th>Weighted</th>"
		    "<th>Commit</th><th>Won</th></tr>\n", r->fp);
	for (i = 0; i < n; i++) {
		money_format_grouped(a, f[i].pipeline, exp, exp);
		money_format_grouped(b, f[i].weighted, exp, exp);
		money_format_grouped(c, f[i].commit, exp, exp);
		money_format_grouped(d, f[i].won, exp, exp);
		fprintf(r->fp, "<tr><td>%s</td><td>%ld</td><td>%s</td>"
		    "<td>%s</td><td>%s</td><td>%s</td></tr>\n", f[i].period,
		    f[i].open, a, b, c, d);
	}
	fputs(n > 0 ? "</table></div></figure>\n" : "</figure>\n", r->fp);
	free(f);
}

static void
aging(struct report *r, struct db *db, int32_t as_of)
{
	static const char *const names[] = { "Current", "1\u201330 days",
	    "31\u201360 days", "61\u201390 days", "Over 90 days" };
	struct fx *fx = fx_open(db, r->currency);
	int64_t bucket[5], total = 0, max = 1;
	char v[MONEY_GROUPED_MAX], day[DATE_FMT_MAX];

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
	date_format(day, as_of);
	fprintf(r->fp, "<figure><h3>Receivables aging, %s</h3>\n", day);
	if (total == 0) {
		fputs("<p class=\"note\">Nothing is owed.</p></figure>\n",
		    r->fp);
		return;
	}
	fprintf(r->fp, "<svg viewBox=\"0 0 %d 140\" role=\"img\" "
	    "aria-label=\"AR aging\">\n", CHART_W);
	for (int i = 0; i < 5; i++) {
		double w = (double)bucket[i] * (CHART_W - 220) / (double)max;

		money_format_grouped(v, bucket[i], r->exp, r->exp);
		fprintf(r->fp, "<text x=\"110\" y=\"%d\" text-anchor=\"end\">"
		    "%s</text><rect x=\"120\" y=\"%d\" width=\"%.1f\" "
		    "height=\"20\" fill=\"%s\"/><text class=\"val\" x=\"%.1f\" "
		    "y=\"%d\">%s</text>\n", 20 + i * 26, names[i], 6 + i * 26,
		    w < 0 ? 0 : w, i == 0 ? "#2f6fdf" : i < 3 ? "#e08a1e" :
		    "#c0392b", 126 + (w < 0 ? 0 : w), 20 + i * 26, v);
	}
	fputs("</svg>\n", r->fp);
	money_format_grouped(v, total, r->exp, r->exp);
	fputs("<p class=\"note\">Open balance ", r->fp);
	fputs(v, r->fp);
	fputc(' ', r->fp);
	html_put(r->fp, r->currency);
	fputs(" as of the report date; the buckets add up to it.</p>"
	    "</figure>\n", r->fp);
}

/* ---- the file ----------------------------------------------------------------- */

/* Whether the periods hold any MRR or movement of it. */
static int
has_revenue(const struct report *r)
{
	for (size_t k = 0; k < r->t->nperiod; k++) {
		if (fig_of(r, k, M_MRR).v != 0)
			return 1;
		for (size_t i = 0; i < NMOVES; i++)
			if (fig_of(r, k, moves[i]).v != 0)
				return 1;
	}
	return 0;
}

static void
revenue(const struct report *r)
{
	static const enum metric mrr[] = { M_MRR };
	static const enum metric paying[] = { M_PAYING_ACCOUNTS };
	static const enum metric arpa[] = { M_ARPA };
	static const enum metric churn[] = { M_LOGO_CHURN_RATE,
	    M_GROSS_REVENUE_CHURN, M_NET_REVENUE_CHURN };
	static const enum metric retention[] = { M_NRR, M_GRR };
	size_t last = r->t->nperiod - 1;
	char title[64];

	headline(r);
	fputs("<h2>MRR</h2>\n<div class=\"grid\">\n", r->fp);
	snprintf(title, sizeof(title), "MRR bridge, %s", r->t->period[last]);
	figure_open(r, title);
	bridge(r, last);
	figure_close(r, NULL);
	figure_open(r, "MRR at each period's end");
	metric_chart(r, "MRR", mrr, 1);
	figure_close(r, NULL);
	fputs("</div>\n<h2>MRR movements</h2>\n", r->fp);
	fputs("<div class=\"grid\">\n", r->fp);
	figure_open(r, "Movements per period");
	movements_chart(r);
	figure_close(r, "Pauses count in contraction, resumes in expansion.");
	figure_open(r, "Quick ratio");
	quick_chart(r);
	figure_close(r, "(New + expansion + reactivation) &divide; "
	    "(contraction + churn); none where nothing went out.");
	fputs("</div>\n", r->fp);
	mrr_table(r);
	fputs("<h2>Customers</h2>\n<div class=\"grid\">\n", r->fp);
	figure_open(r, "Paying accounts");
	metric_chart(r, "Paying accounts", paying, 1);
	figure_close(r, NULL);
	figure_open(r, "ARPA");
	metric_chart(r, "ARPA", arpa, 1);
	figure_close(r, "MRR &divide; paying accounts.");
	fputs("</div>\n<h2>Churn and retention</h2>\n<div class=\"grid\">\n",
	    r->fp);
	figure_open(r, "Churn");
	metric_chart(r, "Churn", churn, 3);
	figure_close(r, NULL);
	figure_open(r, "Retention");
	metric_chart(r, "Retention", retention, 2);
	figure_close(r, "Of the accounts paying at each period's start.");
	fputs("</div>\n", r->fp);
	accounts_table(r);
	fputs("<h2>Cohort retention</h2>\n<p class=\"note\">Accounts by the "
	    "period they first paid in; the share of that period's MRR they "
	    "pay in each period after (+1, +2, &hellip;).</p>\n", r->fp);
	cohort_grid(r);
	if (r->seg != NULL)
		segment_table(r);
	fprintf(r->fp, "<h2>Largest movements, %s</h2>\n<div class=\"grid\">\n",
	    r->t->period[last]);
	movers_table(r, "Churned", &r->churned);
	movers_table(r, "Contracted", &r->contracted);
	movers_table(r, "Expanded", &r->expanded);
	fputs("</div>\n", r->fp);
}

static void
write_report(struct report *r, struct db *db, int32_t as_of)
{
	static const char *const by[] = { NULL, "month", NULL, "quarter" };
	size_t last = r->t->nperiod - 1;
	char day[DATE_FMT_MAX];

	date_format(day, as_of);
	fprintf(r->fp, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">"
	    "<title>Revenue report %s</title><style>%s</style></head><body>\n"
	    "<h1>Revenue report %s</h1>\n<p class=\"sub\">By %s, %s to %s, "
	    "as of %s; money in ", r->t->period[last], css,
	    r->t->period[last], r->o->months == 12 ? "year" : by[r->o->months],
	    r->t->period[0], r->t->period[last], day);
	html_put(r->fp, r->currency);
	fputs(".</p>\n", r->fp);
	if (has_revenue(r))
		revenue(r);
	else
		fprintf(r->fp, "<p class=\"empty\">No data yet: no subscription "
		    "was active from %s to %s. The figures start once "
		    "subscriptions are imported (revops-import).</p>\n",
		    r->t->period[0], r->t->period[last]);
	fputs("<h2>Pipeline and receivables</h2>\n<div class=\"grid\">\n",
	    r->fp);
	forecast(r, db, as_of);
	aging(r, db, as_of);
	fputs("</div>\n", r->fp);
	fputs("<p class=\"note\">Made by revops-metrics; every figure is "
	    "defined in revops-metrics(1).</p>\n</body></html>\n", r->fp);
}

/* The periods of the report: with --from not given, from the company's
 * first month when that is later than the default. */
static struct measure_opts
window(struct db *db, const struct measure_opts *o, int from_given)
{
	struct measure_opts w = *o;
	int32_t first = from_given ? DATE_NONE : measure_first_month(db);

	if (first != DATE_NONE && first > w.from)
		w.from = first < w.to ? first : w.to;
	return w;
}

int
report_write(struct db *db, const char *path, mode_t mode,
    const struct measure_opts *o, int from_given, int32_t as_of)
{
	struct report r = { .fp = NULL };
	struct measure_opts w, whole;
	struct metrics_table *t, *seg = NULL;
	struct measure_visitor v = { cohorts_begin, account_steps, &r };
	struct outfile *file;
	struct fx *fx;
	char code[4];
	int rc;

	db_begin_read(db);
	w = window(db, o, from_given);
	whole = w;
	whole.segment = NULL;
	if ((t = measure_table(db, &whole)) == NULL || (w.segment != NULL &&
	    (seg = measure_table(db, &w)) == NULL)) {
		db_commit(db);
		metrics_table_free(t);
		return CLI_EDATA;
	}
	r.t = t;
	r.seg = seg;
	r.o = &w;
	if ((rc = measure_accounts(db, &whole, &v)) != CLI_OK ||
	    r.co.overflow) {
		if (r.co.overflow)
			cli_data_error(NULL, 0, NULL, "the MRR of a cohort "
			    "does not fit in 64 bits");
		db_commit(db);
		metrics_table_free(t);
		metrics_table_free(seg);
		free(r.co.accounts);
		free(r.co.mrr);
		return CLI_EDATA;
	}
	fx = fx_open(db, o->currency);
	snprintf(code, sizeof(code), "%s", fx_currency(fx));
	fx_close(fx);
	file = outfile_open(path, mode);
	r.fp = outfile_fp(file);
	r.exp = t->exponent;
	r.currency = code;
	write_report(&r, db, as_of);
	db_commit(db);
	metrics_table_free(t);
	metrics_table_free(seg);
	free(r.co.accounts);
	free(r.co.mrr);
	if (cli_data_errors() > 0) {
		outfile_abort(file);
		return CLI_EDATA;
	}
	return outfile_commit(file) == 0 ? CLI_OK : CLI_EIO;
}
