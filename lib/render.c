#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ar.h"
#include "cli.h"
#include "date.h"
#include "db.h"
#include "html.h"
#include "money.h"
#include "outfile.h"
#include "render.h"

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
    ".lines td:empty{display:none}.totals{min-width:0;width:100%}}"
    "@page{size:A4;margin:16mm}"
    "@media print{body{background:#fff}main{margin:0;padding:0;"
    "max-width:none}tr{break-inside:avoid}}";

/* ---- the document ------------------------------------------------------- */

struct doc {
	FILE *fp;
	int exp;			/* the currency's minor unit */
	const char *currency;
};

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

static void
put_money(const struct doc *d, int64_t v)
{
	char buf[MONEY_GROUPED_MAX];

	money_format_grouped(buf, v, d->exp, d->exp);
	fputs(buf, d->fp);
}

/* A cell of a figure at a scale, its decimals past `keep` trimmed; its
 * column's name labels it on a phone. */
static void
put_figure(FILE *fp, const char *label, int64_t v, int scale, int keep,
    const char *after)
{
	char buf[MONEY_GROUPED_MAX];

	money_format_grouped(buf, v, scale, keep);
	fprintf(fp, "<td class=\"num\" data-label=\"%s\">%s%s</td>", label,
	    buf, after);
}

static void
put_company(struct db *db, FILE *fp)
{
	char name[512], tax[256], *address = cli_calloc(1, 4096);

	fputs("<div class=\"company\">", fp);
	if (db_setting(db, "company_name", name, sizeof(name)) != NULL) {
		fputs("<p><strong>", fp);
		html_put(fp, name);
		fputs("</strong></p>", fp);
	}
	if (db_setting(db, "company_address", address, 4096) != NULL) {
		fputs("<p>", fp);
		put_lines(fp, address);
		fputs("</p>", fp);
	}
	if (db_setting(db, "company_tax_id", tax, sizeof(tax)) != NULL) {
		fputs("<p>Tax ID: ", fp);
		html_put(fp, tax);
		fputs("</p>", fp);
	}
	fputs("</div>\n", fp);
	free(address);
}

/* The lines, and their sums into *amount and *tax. */
static void
put_items(struct db *db, const struct doc *d, const char *id,
    int64_t *amount, int64_t *tax)
{
	struct db_stmt *st = db_prepare(db, sql_lines);
	FILE *fp = d->fp;

	*amount = *tax = 0;
	fprintf(fp, "<div class=\"lines\"><table><thead><tr>"
	    "<th>Description</th><th>Service period</th>"
	    "<th class=\"num\">Quantity</th><th class=\"num\">Unit price</th>"
	    "<th class=\"num\">Discount</th><th class=\"num\">Amount</th>"
	    "<th class=\"num\">Tax</th></tr></thead>\n<tbody>\n");
	db_bind_text(st, 1, id);
	while (db_row(st)) {
		int64_t a = db_int(st, 7), t = db_int(st, 8);

		fputs("<tr><td>", fp);
		html_put(fp, db_null(st, 0) ? db_text(st, 1) : db_text(st, 0));
		fputs("</td><td class=\"period\" "
		    "data-label=\"Service period\">", fp);
		if (!db_null(st, 2) && !db_null(st, 3)) {
			char last[DATE_FMT_MAX];

			date_format(last, db_day(st, 3) - 1);
			fprintf(fp, "%s &ndash; %s", db_text(st, 2), last);
		}
		fputs("</td>", fp);
		if (db_null(st, 4))
			fputs("<td class=\"num\"></td>", fp);
		else
			put_figure(fp, "Quantity", db_int(st, 4), 6, 0, "");
		if (db_null(st, 5))
			fputs("<td class=\"num\"></td>", fp);
		else
			put_figure(fp, "Unit price", db_int(st, 5), d->exp + 6,
			    d->exp, "");
		if (db_null(st, 6) || db_int(st, 6) == 0)
			fputs("<td class=\"num\"></td>", fp);
		else
			put_figure(fp, "Discount", db_int(st, 6), 6, 0, "%");
		put_figure(fp, "Amount", a, d->exp, d->exp, "");
		put_figure(fp, "Tax", t, d->exp, d->exp, "");
		fputs("</tr>\n", fp);
		/* the invoice's import refused a total past 64 bits */
		*amount += a;
		*tax += t;
	}
	db_finalize(st);
	fputs("</tbody></table></div>\n", fp);
}

static void
total_row(const struct doc *d, const char *cls, const char *label,
    int64_t v)
{
	fprintf(d->fp, "<tr%s%s%s><td>%s</td><td class=\"num\">",
	    cls != NULL ? " class=\"" : "", cls != NULL ? cls : "",
	    cls != NULL ? "\"" : "", label);
	put_money(d, v);
	fprintf(d->fp, " %s</td></tr>\n", d->currency);
}

/* The document of invoice id; st is sql_invoice's row of it. */
static void
put_invoice(struct db *db, FILE *fp, const char *id, struct db_stmt *st,
    int32_t as_of)
{
	const struct currency *c = money_currency(db_text(st, 3), 3);
	struct doc d = { fp, c != NULL ? c->exponent : 2, db_text(st, 3) };
	struct ar_invoice_sums sums = { 0, 0, 0, 0 };
	const char *status = db_text(st, 4);
	int64_t amount, tax;

	(void)ar_invoice_sums(db, id, as_of, &sums);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><title>Invoice ", fp);
	html_put(fp, id);
	fprintf(fp, "</title><style>%s</style></head>\n<body><main>\n"
	    "<header>", css);
	put_company(db, fp);
	fputs("<div><h1>Invoice</h1><p>", fp);
	html_put(fp, id);
	fputs("</p>", fp);
	if (strcmp(status, "void") == 0)
		fputs("<p class=\"stamp void\">VOID</p>", fp);
	else if (sums.balance == 0 && sums.total > 0)
		fputs("<p class=\"stamp paid\">PAID</p>", fp);
	fputs("</div></header>\n<section class=\"who\"><div><h2>Bill to</h2>"
	    "<p><strong>", fp);
	html_put(fp, db_text(st, 5));
	fputs("</strong></p>", fp);
	if (!db_null(st, 6)) {
		fputs("<p>", fp);
		put_lines(fp, db_text(st, 6));
		fputs("</p>", fp);
	}
	if (!db_null(st, 7)) {
		fputs("<p>", fp);
		html_put(fp, db_text(st, 7));
		fputs("</p>", fp);
	}
	fputs("<p>Account ", fp);
	html_put(fp, db_text(st, 0));
	fprintf(fp, "</p></div><div><h2>Issued</h2><p>%s</p></div>"
	    "<div><h2>Due</h2><p>%s</p></div><div><h2>Currency</h2><p>%s"
	    "</p></div></section>\n", db_text(st, 1), db_text(st, 2),
	    d.currency);
	put_items(db, &d, id, &amount, &tax);
	fputs("<table class=\"totals\">\n", fp);
	total_row(&d, NULL, "Subtotal", amount);
	total_row(&d, NULL, "Tax", tax);
	total_row(&d, NULL, "Total", sums.total);
	if (sums.credited != 0)
		total_row(&d, NULL, "Credited", -sums.credited);
	if (sums.paid != 0)
		total_row(&d, NULL, "Paid", -sums.paid);
	total_row(&d, "due", sums.balance < 0 ? "Credit balance" :
	    "Balance due", sums.balance);
	fputs("</table>\n</main></body></html>\n", fp);
}

/* ---- the files ---------------------------------------------------------- */

/* dir/ID.html, the id's bytes other than letters, digits, '.', '_' and
 * '-' (and a leading '.') written %XX: one file an invoice, whatever its
 * id, and none outside dir.  Returns 0, or -1 when it is too long. */
static int
file_of(char *buf, size_t size, const char *dir, const char *id)
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
	return n + 6 < size && snprintf(buf + n, size - n, ".html") == 5 ?
	    0 : -1;
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
		else if (file_of(path, sizeof(path), o->dir, id) != 0)
			cli_data_error(NULL, 0, NULL, "invoice '%s': %s/ is "
			    "too long a folder for its file", id, o->dir);
		db_reset(st);
	}
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

		(void)file_of(path, sizeof(path), o->dir, id);
		f = outfile_open(path, o->mode);
		db_bind_text(st, 1, id);
		(void)db_row(st);
		put_invoice(db, outfile_fp(f), id, st, o->as_of);
		db_reset(st);
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
