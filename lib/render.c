#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ar.h"
#include "cli.h"
#include "date.h"
#include "db.h"
#include "entity.h"
#include "html.h"
#include "money.h"
#include "outfile.h"
#include "render.h"

#include <hpdf.h>
#include <hpdf_doc.h>
#include <hpdf_fontdef.h>

/* ---- SQL ------------------------------------------------------------ */

static const char sql_invoice[] =
    "SELECT i.account_id, i.issue_date, i.due_date, i.currency, i.status, "
    "a.name, a.billing_address, a.billing_email FROM invoices i "
    "JOIN accounts a ON a.account_id = i.account_id "
    "WHERE i.invoice_id = ?1";
static const char sql_lines[] =
    "SELECT description, sku, service_start, service_end, quantity_micro, "
    "unit_price_micro, discount_pct_micro, amount_minor, tax_amount_minor "
    "FROM invoice_lines WHERE invoice_id = ?1 ORDER BY line_no";

/* The look of the page: on a screen as on A4, nothing from the network. */
static const char css[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,"
    "'Helvetica Neue',Arial,'Noto Sans',sans-serif;color:#1f2328;"
    "margin:0;background:#f6f8fa}"
    "main{max-width:860px;margin:24px auto;background:#fff;"
    "padding:40px 48px;box-sizing:border-box}"
    "header{display:flex;justify-content:space-between;gap:24px;"
    "flex-wrap:wrap}"
    "h1{font-size:28px;margin:0 0 4px}h2{font-size:13px;margin:0 0 4px;"
    "text-transform:uppercase;letter-spacing:.05em;color:#57606a}"
    ".who{margin:28px 0;display:flex;gap:48px;flex-wrap:wrap}"
    ".who p,.company p{margin:0}"
    "table{width:100%;border-collapse:collapse;margin-top:8px}"
    "th{text-align:left;font-size:12px;color:#57606a;border-bottom:2px "
    "solid #d0d7de;padding:6px 8px}"
    "td{padding:8px;border-bottom:1px solid #eaeef2;vertical-align:top}"
    ".num{text-align:right;white-space:nowrap;"
    "font-variant-numeric:tabular-nums}"
    ".period{white-space:nowrap;color:#57606a}"
    ".totals{margin-left:auto;width:auto;min-width:300px;margin-top:20px}"
    ".totals td{border:0;padding:3px 8px}"
    ".totals .due td{font-weight:700;font-size:17px;border-top:2px solid "
    "#1f2328;padding-top:8px}"
    ".stamp{display:inline-block;border:2px solid;padding:2px 10px;"
    "font-weight:700;letter-spacing:.1em}"
    ".void{color:#c0392b}.paid{color:#1a7f37}"
    /* on a phone each line is a block of labelled figures */
    "@media (max-width:600px){main{padding:20px 16px;margin:0}"
    ".lines thead{display:none}.lines tr{display:block;padding:8px 0;"
    "border-bottom:1px solid #eaeef2}.lines td{display:flex;"
    "justify-content:space-between;gap:16px;border:0;padding:2px 0;"
    "text-align:right}.lines td::before{content:attr(data-label);"
    "color:#57606a;text-align:left}.lines td:first-child{font-weight:600}"
    ".lines td:first-child::before{content:none}"
    ".lines td:first-child{text-align:left}"
    ".lines td:empty{display:none}.totals{min-width:0;width:100%}}"
    "@page{size:A4;margin:16mm}"
    "@media print{body{background:#fff}main{margin:0;padding:0;"
    "max-width:none}tr{break-inside:avoid}}";

/* ---- what a document shows -------------------------------------------- */

/* Figures as shown, grouped, to the minor unit or trimmed: "" for none. */
#define FIG MONEY_GROUPED_MAX

struct doc_line {
	char *description;
	char period[2 * DATE_FMT_MAX + 8];	/* "first - last", or "" */
	char qty[FIG], unit[FIG], discount[FIG + 1], amount[FIG], tax[FIG];
};

/* Strings are the document's own, released by doc_free(). */
struct doc {
	char *id, *company, *company_address, *tax_id;
	char *account, *name, *address, *email;
	char issued[DATE_FMT_MAX], due[DATE_FMT_MAX], currency[4];
	const char *stamp;		/* "VOID", "PAID" or NULL */
	struct doc_line *line;
	size_t nline, capline;
	/* the totals' labels and figures, in order */
	struct { const char *label; char v[FIG]; } total[6];
	int ntotal;
};

static char *
setting(struct db *db, const char *key)
{
	char buf[4096];

	return db_setting(db, key, buf, sizeof(buf)) != NULL ?
	    cli_strdup(buf) : NULL;
}

static char *
text_or_null(struct db_stmt *st, int i)
{
	return db_null(st, i) ? NULL : cli_strdup(db_text(st, i));
}

static void
total(struct doc *d, const char *label, int64_t v, int exp)
{
	d->total[d->ntotal].label = label;
	money_format_grouped(d->total[d->ntotal++].v, v, exp, exp);
}

/* The document of invoice id; st is sql_invoice's row of it. */
static void
doc_read(struct db *db, struct doc *d, const char *id, struct db_stmt *st,
    int32_t as_of)
{
	const struct currency *c = money_currency(db_text(st, 3), 3);
	int exp = c != NULL ? c->exponent : 2;
	struct ar_invoice_sums sums = { .total = 0 };
	struct db_stmt *ls = db_prepare(db, sql_lines);
	int64_t amount = 0, tax = 0, netted;

	memset(d, 0, sizeof(*d));
	d->id = cli_strdup(id);
	d->company = setting(db, "company_name");
	d->company_address = setting(db, "company_address");
	d->tax_id = setting(db, "company_tax_id");
	d->account = cli_strdup(db_text(st, 0));
	snprintf(d->issued, sizeof(d->issued), "%s", db_text(st, 1));
	snprintf(d->due, sizeof(d->due), "%s", db_text(st, 2));
	snprintf(d->currency, sizeof(d->currency), "%s", db_text(st, 3));
	d->name = cli_strdup(db_text(st, 5));
	d->address = text_or_null(st, 6);
	d->email = text_or_null(st, 7);
	(void)ar_invoice_sums(db, id, as_of, &sums);
	netted = sums.netted;
	if (strcmp(db_text(st, 4), "void") == 0)
		d->stamp = "VOID";
	else if (sums.balance == 0 && sums.total > 0)
		d->stamp = "PAID";
	db_bind_text(ls, 1, id);
	while (db_row(ls)) {
		struct doc_line *l;

		d->line = cli_grow(d->line, &d->capline, d->nline + 1,
		    sizeof(*d->line));
		l = &d->line[d->nline++];
		memset(l, 0, sizeof(*l));
		l->description = cli_strdup(db_null(ls, 0) ? db_text(ls, 1) :
		    db_text(ls, 0));
		if (!db_null(ls, 2) && !db_null(ls, 3)) {
			char last[DATE_FMT_MAX];

			date_format(last, db_day(ls, 3) - 1);
			snprintf(l->period, sizeof(l->period), "%s \u2013 %s",
			    db_text(ls, 2), last);
		}
		if (!db_null(ls, 4))
			money_format_grouped(l->qty, db_int(ls, 4), 6, 0);
		if (!db_null(ls, 5))
			money_format_grouped(l->unit, db_int(ls, 5), exp + 6,
			    exp);
		if (!db_null(ls, 6) && db_int(ls, 6) != 0) {
			money_format_grouped(l->discount, db_int(ls, 6), 6, 0);
			strcat(l->discount, "%");
		}
		money_format_grouped(l->amount, db_int(ls, 7), exp, exp);
		money_format_grouped(l->tax, db_int(ls, 8), exp, exp);
		/* the invoice's import refused a total past 64 bits */
		amount += db_int(ls, 7);
		tax += db_int(ls, 8);
	}
	db_finalize(ls);
	total(d, "Subtotal", amount, exp);
	total(d, "Tax", tax, exp);
	total(d, "Total", sums.total, exp);
	if (sums.credited != 0)
		total(d, "Credited", -sums.credited, exp);
	if (sums.paid != netted)
		total(d, "Paid", -(sums.paid - netted), exp);
	if (netted != 0)
		total(d, sums.total < 0 ? "Applied to invoices" :
		    "Credit invoices applied", -netted, exp);
	total(d, sums.balance < 0 ? "Credit balance" : "Balance due",
	    sums.balance, exp);
}

static void
doc_free(struct doc *d)
{
	char *s[] = { d->id, d->company, d->company_address, d->tax_id,
	    d->account, d->name, d->address, d->email };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		free(s[i]);
	for (size_t i = 0; i < d->nline; i++)
		free(d->line[i].description);
	free(d->line);
}

/* ---- HTML ------------------------------------------------------------- */

/* Text that may hold lines (an address), each escaped. */
static void
put_lines(FILE *fp, const char *s)
{
	char *copy = cli_strdup(s), *line, *rest = copy;

	while ((line = strsep(&rest, "\n")) != NULL) {
		html_put(fp, line);
		if (rest != NULL)
			fputs("<br>", fp);
	}
	free(copy);
}

/* A paragraph of text, if there is any. */
static void
para(FILE *fp, const char *before, const char *s, const char *after)
{
	if (s == NULL)
		return;
	fprintf(fp, "<p>%s", before);
	put_lines(fp, s);
	fprintf(fp, "%s</p>", after);
}

/* A cell of a line, the text's own lines kept; its column's name labels
 * it on a phone. */
static void
cell(FILE *fp, const char *cls, const char *label, const char *v)
{
	fprintf(fp, "<td class=\"%s\" data-label=\"%s\">", cls, label);
	put_lines(fp, v);
	fputs("</td>", fp);
}

static void
html_doc(FILE *fp, const struct doc *d)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><title>Invoice ", fp);
	html_put(fp, d->id);
	fprintf(fp, "</title><style>%s</style></head>\n<body><main>\n"
	    "<header><div class=\"company\">", css);
	para(fp, "<strong>", d->company, "</strong>");
	para(fp, "", d->company_address, "");
	para(fp, "Tax ID: ", d->tax_id, "");
	fputs("</div>\n<div><h1>Invoice</h1><p>", fp);
	html_put(fp, d->id);
	fputs("</p>", fp);
	if (d->stamp != NULL)
		fprintf(fp, "<p class=\"stamp %s\">%s</p>", d->stamp[0] == 'V' ?
		    "void" : "paid", d->stamp);
	fputs("</div></header>\n<section class=\"who\"><div><h2>Bill to</h2>",
	    fp);
	para(fp, "<strong>", d->name, "</strong>");
	para(fp, "", d->address, "");
	para(fp, "", d->email, "");
	para(fp, "Account ", d->account, "");
	fprintf(fp, "</div><div><h2>Issued</h2><p>%s</p></div>"
	    "<div><h2>Due</h2><p>%s</p></div><div><h2>Currency</h2><p>%s"
	    "</p></div></section>\n", d->issued, d->due, d->currency);
	fputs("<div class=\"lines\"><table><thead><tr>"
	    "<th>Description</th><th>Service period</th>"
	    "<th class=\"num\">Quantity</th><th class=\"num\">Unit price</th>"
	    "<th class=\"num\">Discount</th><th class=\"num\">Amount</th>"
	    "<th class=\"num\">Tax</th></tr></thead>\n<tbody>\n", fp);
	for (size_t i = 0; i < d->nline; i++) {
		const struct doc_line *l = &d->line[i];

		fputs("<tr>", fp);
		cell(fp, "what", "Description", l->description);
		cell(fp, "period", "Service period", l->period);
		cell(fp, "num", "Quantity", l->qty);
		cell(fp, "num", "Unit price", l->unit);
		cell(fp, "num", "Discount", l->discount);
		cell(fp, "num", "Amount", l->amount);
		cell(fp, "num", "Tax", l->tax);
		fputs("</tr>\n", fp);
	}
	fputs("</tbody></table></div>\n<table class=\"totals\">\n", fp);
	for (int i = 0; i < d->ntotal; i++)
		fprintf(fp, "<tr%s><td>%s</td><td class=\"num\">%s %s</td>"
		    "</tr>\n", i == d->ntotal - 1 ? " class=\"due\"" : "",
		    d->total[i].label, d->total[i].v, d->currency);
	fputs("</table>\n</main></body></html>\n", fp);
}

/* ---- PDF ------------------------------------------------------------- */

/* Debian's fonts-dejavu-core: embedded, so the text is selectable and
 * reads the same everywhere; a character it has no glyph for (East
 * Asian, Indian scripts) is refused rather than drawn as a box. */
#define FONT_DIR "/usr/share/fonts/truetype/dejavu/"
#define FONT FONT_DIR "DejaVuSans.ttf"
#define FONT_BOLD FONT_DIR "DejaVuSans-Bold.ttf"

/* A4 in points, and the margin. */
#define PAGE_W 595.0f
#define PAGE_H 842.0f
#define MARGIN 48.0f

struct pdf {
	HPDF_Doc doc;
	HPDF_Page page;
	HPDF_Font font, bold;
	HPDF_FontDef def;	/* font's, for its glyphs */
	float y;
	float x[7];		/* the columns of the lines (pdf_columns()) */
	const char *id;		/* for the head of each page after the first */
	int pageno;
	unsigned long error;	/* libharu's, or 0 */
};

static void
pdf_error(HPDF_STATUS error, HPDF_STATUS detail, void *arg)
{
	struct pdf *p = arg;

	(void)detail;
	if (p->error == 0)
		p->error = (unsigned long)error;
}

/* The first character of s (UTF-8) that the font has no glyph for, or
 * 0; *at is where it begins and *len its bytes. */
static unsigned long
no_glyph(HPDF_FontDef def, const char *s, const char **at, int *len)
{
	const unsigned char *u = (const unsigned char *)s;

	while (s != NULL && *u != '\0') {
		unsigned long cp = *u;
		int n = cp >= 0xF0 ? 4 : cp >= 0xE0 ? 3 : cp >= 0xC0 ? 2 : 1;

		for (int k = 1; k < n; k++)
			cp = (k == 1 ? cp & (0x7FUL >> n) : cp) << 6 |
			    (u[k] & 0x3FUL);
		*at = (const char *)u;
		*len = n;
		/* the text is UTF-8 checked; the font's table has 16 bits */
		if (cp >= ' ' && (cp > 0xFFFF ||
		    HPDF_TTFontDef_GetGlyphid(def, (HPDF_UINT16)cp) == 0))
			return cp;
		u += n;
	}
	return 0;
}

/* Whether the document's text can be set in the font of def; else why
 * not. */
static int
pdf_can(HPDF_FontDef def, const struct doc *d, char *why, size_t size)
{
	const char *s[] = { d->id, d->company, d->company_address, d->tax_id,
	    d->account, d->name, d->address, d->email };
	const char *at = NULL;
	unsigned long cp = 0;
	int len = 0;

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]) && cp == 0; i++)
		cp = no_glyph(def, s[i], &at, &len);
	for (size_t i = 0; i < d->nline && cp == 0; i++)
		cp = no_glyph(def, d->line[i].description, &at, &len);
	if (cp == 0)
		return 1;
	snprintf(why, size, "'%.*s' (U+%04lX) has no glyph in the PDF's "
	    "font, DejaVu Sans: --format html shows it", len, at, cp);
	return 0;
}

static void
pdf_text(struct pdf *p, HPDF_Font f, float size, float x, float y,
    const char *s)
{
	HPDF_Page_BeginText(p->page);
	HPDF_Page_SetFontAndSize(p->page, f, size);
	HPDF_Page_TextOut(p->page, x, y, s);
	HPDF_Page_EndText(p->page);
}

/* s ending at x. */
static void
pdf_right(struct pdf *p, HPDF_Font f, float size, float x, float y,
    const char *s)
{
	HPDF_Page_SetFontAndSize(p->page, f, size);
	pdf_text(p, f, size, x - HPDF_Page_TextWidth(p->page, s), y, s);
}

static void pdf_continue(struct pdf *p);

/*
 * Lines of text from y down, each at most width wide (words kept whole,
 * and the text's own lines): drawn, or with `draw` 0 only measured;
 * with `breaks`, going on at the top of a new page at the bottom of one.
 * Returns the y below them.
 */
static float
pdf_wrap(struct pdf *p, HPDF_Font f, float size, float x, float y,
    float width, const char *s, int draw, int breaks)
{
	char *copy = cli_strdup(s), *line, *rest = copy;

	HPDF_Page_SetFontAndSize(p->page, f, size);
	while ((line = strsep(&rest, "\n")) != NULL) {
		do {
			HPDF_UINT n = HPDF_Page_MeasureText(p->page, line,
			    width, HPDF_TRUE, NULL);
			char c;

			if (n == 0)	/* a word wider than the column */
				n = HPDF_Page_MeasureText(p->page, line,
				    width, HPDF_FALSE, NULL);
			if (n == 0)
				n = (HPDF_UINT)strlen(line);
			if (breaks && y < MARGIN) {
				pdf_continue(p);
				y = p->y;
			}
			c = line[n];
			line[n] = '\0';
			if (draw)
				pdf_text(p, f, size, x, y, line);
			line[n] = c;
			line += n;
			line += strspn(line, " ");
			y -= size * 1.3f;
		} while (*line != '\0');
	}
	free(copy);
	return y;
}

/* The columns of the lines, left to right; the figures right-aligned. */
static const char *const col_name[7] = { "Description", "Service period",
    "Quantity", "Unit price", "Discount", "Amount", "Tax" };
#define COL_GAP 10.0f
#define HEAD_SIZE 7.5f
#define CELL_SIZE 9.0f
#define PERIOD_SIZE 8.0f

static float
width_of(struct pdf *p, HPDF_Font f, float size, const char *s)
{
	HPDF_Page_SetFontAndSize(p->page, f, size);
	return HPDF_Page_TextWidth(p->page, s);
}

/* Each figure's column as wide as its widest cell, from the right: a
 * large amount pushes the others left instead of over them; the
 * description has what is left. */
static void
pdf_columns(struct pdf *p, const struct doc *d)
{
	float w[7];

	for (int k = 1; k < 7; k++)
		w[k] = width_of(p, p->bold, HEAD_SIZE, col_name[k]);
	for (size_t i = 0; i < d->nline; i++) {
		const struct doc_line *l = &d->line[i];
		const char *v[7] = { NULL, l->period, l->qty, l->unit,
		    l->discount, l->amount, l->tax };

		for (int k = 1; k < 7; k++) {
			float x = width_of(p, p->font, k == 1 ? PERIOD_SIZE :
			    CELL_SIZE, v[k]);

			if (x > w[k])
				w[k] = x;
		}
	}
	p->x[6] = PAGE_W - MARGIN;
	for (int k = 5; k >= 2; k--)
		p->x[k] = p->x[k + 1] - w[k + 1] - COL_GAP;
	p->x[1] = p->x[2] - w[2] - COL_GAP - w[1];
	p->x[0] = MARGIN;
}

static void
pdf_page(struct pdf *p)
{
	p->page = HPDF_AddPage(p->doc);
	HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	p->y = PAGE_H - MARGIN;
	p->pageno++;
}

static void
pdf_head_row(struct pdf *p)
{
	HPDF_Page_SetRGBFill(p->page, 0.34f, 0.38f, 0.42f);
	for (int k = 0; k < 7; k++)
		if (k >= 2)
			pdf_right(p, p->bold, HEAD_SIZE, p->x[k], p->y,
			    col_name[k]);
		else
			pdf_text(p, p->bold, HEAD_SIZE, p->x[k], p->y,
			    col_name[k]);
	HPDF_Page_SetRGBFill(p->page, 0.12f, 0.14f, 0.16f);
	HPDF_Page_SetLineWidth(p->page, 1);
	HPDF_Page_MoveTo(p->page, MARGIN, p->y - 5);
	HPDF_Page_LineTo(p->page, PAGE_W - MARGIN, p->y - 5);
	HPDF_Page_Stroke(p->page);
	p->y -= 20;
}

/* A page after the first, which says which invoice and page it is. */
static void
pdf_next_page(struct pdf *p)
{
	char head[ENTITY_ID_MAX + 32];

	pdf_page(p);
	snprintf(head, sizeof(head), "Invoice %s, page %d", p->id, p->pageno);
	HPDF_Page_SetRGBFill(p->page, 0.34f, 0.38f, 0.42f);
	pdf_right(p, p->font, 8, PAGE_W - MARGIN, p->y, head);
	HPDF_Page_SetRGBFill(p->page, 0.12f, 0.14f, 0.16f);
	p->y -= 24;
}

/* One for more lines, with their head again. */
static void
pdf_continue(struct pdf *p)
{
	pdf_next_page(p);
	pdf_head_row(p);
}

/* A labelled block of lines at x from y; returns the y below it. */
static float
pdf_block(struct pdf *p, float x, float y, const char *label,
    const char *bold, const char *const *lines, size_t n)
{
	HPDF_Page_SetRGBFill(p->page, 0.34f, 0.38f, 0.42f);
	pdf_text(p, p->bold, 7.5f, x, y, label);
	HPDF_Page_SetRGBFill(p->page, 0.12f, 0.14f, 0.16f);
	y -= 14;
	if (bold != NULL)
		y = pdf_wrap(p, p->bold, 9.5f, x, y, 220, bold, 1, 0);
	for (size_t i = 0; i < n; i++)
		if (lines[i] != NULL)
			y = pdf_wrap(p, p->font, 9.5f, x, y, 220, lines[i], 1,
			    0);
	return y;
}

static void
pdf_lay_out(struct pdf *p, const struct doc *d)
{
	const char *company[] = { d->company_address, d->tax_id };
	char account[ENTITY_ID_MAX + 16], tax[300];
	const char *bill[] = { d->address, d->email, account };
	const char *dates[] = { d->issued };
	float y, y2;

	pdf_page(p);
	y = p->y;
	p->id = d->id;
	if (d->company != NULL)
		y = pdf_wrap(p, p->bold, 11, MARGIN, y, 300, d->company, 1, 0);
	if (d->tax_id != NULL)
		snprintf(tax, sizeof(tax), "Tax ID: %s", d->tax_id);
	company[1] = d->tax_id != NULL ? tax : NULL;
	for (size_t i = 0; i < 2; i++)
		if (company[i] != NULL)
			y = pdf_wrap(p, p->font, 9.5f, MARGIN, y, 300,
			    company[i], 1, 0);
	pdf_right(p, p->bold, 22, PAGE_W - MARGIN, p->y - 12, "Invoice");
	pdf_right(p, p->font, 10, PAGE_W - MARGIN, p->y - 30, d->id);
	if (d->stamp != NULL)
		pdf_right(p, p->bold, 12, PAGE_W - MARGIN, p->y - 50, d->stamp);
	y = (y < p->y - 60 ? y : p->y - 60) - 18;
	snprintf(account, sizeof(account), "Account %s", d->account);
	y2 = pdf_block(p, MARGIN, y, "BILL TO", d->name, bill, 3);
	pdf_block(p, 320, y, "ISSUED", NULL, dates, 1);
	dates[0] = d->due;
	pdf_block(p, 400, y, "DUE", NULL, dates, 1);
	dates[0] = d->currency;
	pdf_block(p, 480, y, "CURRENCY", NULL, dates, 1);
	p->y = y2 - 20;
	pdf_columns(p, d);
	pdf_head_row(p);
	for (size_t i = 0; i < d->nline; i++) {
		const struct doc_line *l = &d->line[i];
		const char *v[] = { l->qty, l->unit, l->discount, l->amount,
		    l->tax };
		float width = p->x[1] - COL_GAP - p->x[0];
		float below = pdf_wrap(p, p->font, CELL_SIZE, p->x[0], p->y,
		    width, l->description, 0, 0);

		/* a line that would cross the foot starts the next page,
		 * unless it is longer than a page itself */
		if (below < MARGIN && p->y - below < PAGE_H - 3 * MARGIN)
			pdf_continue(p);
		pdf_text(p, p->font, PERIOD_SIZE, p->x[1], p->y, l->period);
		for (size_t k = 0; k < 5; k++)
			pdf_right(p, p->font, CELL_SIZE, p->x[k + 2], p->y, v[k]);
		p->y = pdf_wrap(p, p->font, CELL_SIZE, p->x[0], p->y, width,
		    l->description, 1, 1) - 6;
	}
	if (p->y < MARGIN + 20.0f * (float)d->ntotal)
		pdf_next_page(p);
	p->y -= 10;
	for (int i = 0; i < d->ntotal; i++) {
		int last = i == d->ntotal - 1;
		char v[FIG + 8];

		snprintf(v, sizeof(v), "%s %s", d->total[i].v, d->currency);
		if (last) {
			HPDF_Page_MoveTo(p->page, 340, p->y + 12);
			HPDF_Page_LineTo(p->page, PAGE_W - MARGIN, p->y + 12);
			HPDF_Page_Stroke(p->page);
			p->y -= 4;
		}
		HPDF_Font f = last ? p->bold : p->font;
		float size = last ? 11 : 9.5f;
		/* a large figure pushes its label left, never under it */
		float x = PAGE_W - MARGIN - width_of(p, f, size, v) - 12 -
		    width_of(p, f, size, d->total[i].label);

		pdf_text(p, f, size, x < 340 ? x : 340, p->y, d->total[i].label);
		pdf_right(p, f, size, PAGE_W - MARGIN, p->y, v);
		p->y -= 16;
	}
}

/* A PDF document with the two fonts loaded, or an exit (CLI_EIO). */
static void
pdf_open(struct pdf *p, const char *path)
{
	const char *fn, *fb;

	memset(p, 0, sizeof(*p));
	if ((p->doc = HPDF_New(pdf_error, p)) == NULL)
		cli_die(CLI_EIO, "%s: out of memory", path);
	HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
	HPDF_UseUTFEncodings(p->doc);
	HPDF_SetCurrentEncoder(p->doc, "UTF-8");
	fn = HPDF_LoadTTFontFromFile(p->doc, FONT, HPDF_TRUE);
	fb = HPDF_LoadTTFontFromFile(p->doc, FONT_BOLD, HPDF_TRUE);
	if (fn == NULL || fb == NULL) {
		HPDF_Free(p->doc);
		cli_die(CLI_EIO, "%s: the PDF's fonts, %s and its bold, cannot "
		    "be read (Debian's fonts-dejavu-core)", path, FONT);
	}
	p->font = HPDF_GetFont(p->doc, fn, "UTF-8");
	p->bold = HPDF_GetFont(p->doc, fb, "UTF-8");
	p->def = HPDF_GetFontDef(p->doc, fn);
}

/* The document as a PDF into fp; exits CLI_EIO when libharu fails. */
static void
pdf_doc(FILE *fp, const struct doc *d, const char *path)
{
	struct pdf p;
	HPDF_BYTE buf[65536];
	unsigned long error;

	pdf_open(&p, path);
	HPDF_SetInfoAttr(p.doc, HPDF_INFO_CREATOR, "revops");
	pdf_lay_out(&p, d);
	if (p.error == 0)
		HPDF_SaveToStream(p.doc);
	if ((error = p.error) == 0) {
		/* the end of the stream is an "error" of libharu's too */
		HPDF_ResetStream(p.doc);
		for (;;) {
			HPDF_UINT32 n = sizeof(buf);

			(void)HPDF_ReadFromStream(p.doc, buf, &n);
			if (n == 0 || fwrite(buf, 1, n, fp) != n)
				break;
		}
	}
	HPDF_Free(p.doc);
	if (error != 0)
		cli_die(CLI_EIO, "%s: libharu failed (error 0x%04lX)", path,
		    error);
}

/* ---- the files ---------------------------------------------------------- */

/* dir/ID.html (or .pdf), the id's bytes other than letters, digits, '.',
 * '_' and '-' (and a leading '.') written %XX: one file an invoice,
 * whatever its id, and none outside dir.  Returns 0, or -1 when it is too
 * long. */
static int
file_of(char *buf, size_t size, const char *dir, const char *id, int pdf)
{
	size_t n = (size_t)snprintf(buf, size, "%s/", dir);

	for (const char *p = id; *p != '\0' && n + 4 < size; p++) {
		unsigned char ch = (unsigned char)*p;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
		    (ch == '.' && p != id))
			buf[n++] = (char)ch;
		else
			n += (size_t)snprintf(buf + n, size - n, "%%%02X", ch);
	}
	return n + 6 < size && snprintf(buf + n, size - n, pdf ? ".pdf" :
	    ".html") < 6 ? 0 : -1;
}

int
render_invoices(struct db *db, const struct csv_input *in,
    const struct render_opts *o)
{
	static const char *const columns[] = { "invoice_id" };
	static const char *const names[] = { "invoice_id", "file" };
	struct db_stmt *st;
	struct csv_rows ids;
	struct out *out;
	struct pdf check = { .doc = NULL };	/* of the glyphs, if PDF */
	char path[PATH_MAX];
	int rc = CLI_OK;

	if (csv_collect(in, cli_data_error, columns, 1, 1, 1, &ids) != 0) {
		csv_rows_free(&ids);
		return CLI_EDATA;
	}
	db_begin_read(db);
	st = db_prepare(db, sql_invoice);
	/* every invoice is there before any file is written */
	for (size_t i = 0; i < ids.n; i++) {
		const char *id = ids.cell[i] != NULL ? ids.cell[i] : "";

		db_bind_text(st, 1, id);
		if (!db_row(st))
			cli_data_error(ids.line[i] > 0 ?
			    cli_input_name(in->name) : NULL, ids.line[i],
			    ids.line[i] > 0 ? "invoice_id" : NULL,
			    "invoice '%s' does not exist", id);
		else if (file_of(path, sizeof(path), o->dir, id, o->pdf) != 0)
			cli_data_error(NULL, 0, NULL, "invoice '%s': %s/ is "
			    "too long a folder for its file", id, o->dir);
		else if (o->pdf) {
			struct doc d;
			char why[256];

			if (check.doc == NULL)
				pdf_open(&check, o->dir);
			doc_read(db, &d, id, st, o->as_of);
			if (!pdf_can(check.def, &d, why, sizeof(why)))
				cli_data_error(NULL, 0, NULL, "invoice '%s': %s",
				    id, why);
			doc_free(&d);
		}
		db_reset(st);
	}
	if (check.doc != NULL)
		HPDF_Free(check.doc);
	if (cli_data_errors() > 0) {
		db_finalize(st);
		db_rollback(db);
		csv_rows_free(&ids);
		return CLI_EDATA;
	}
	out = out_new(stdout, o->out, names, 2);
	for (size_t i = 0; i < ids.n && rc == CLI_OK; i++) {
		const char *id = ids.cell[i];
		struct outfile *f;

		struct doc d;

		(void)file_of(path, sizeof(path), o->dir, id, o->pdf);
		f = outfile_open(path, o->mode);
		db_bind_text(st, 1, id);
		(void)db_row(st);
		doc_read(db, &d, id, st, o->as_of);
		db_reset(st);
		if (o->pdf)
			pdf_doc(outfile_fp(f), &d, path);
		else
			html_doc(outfile_fp(f), &d);
		doc_free(&d);
		if (outfile_commit(f) != 0)
			rc = CLI_EIO;
		out_text(out, id, strlen(id));
		out_text(out, path, strlen(path));
		out_end_row(out);
	}
	db_finalize(st);
	db_rollback(db);
	csv_rows_free(&ids);
	if (out_close(out) != 0)
		rc = CLI_EIO;
	return rc;
}
