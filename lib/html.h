/*
 * html: text into an HTML document (the report, invoice documents).
 */
#ifndef REVOPS_HTML_H
#define REVOPS_HTML_H

#include <stdio.h>

/* Writes s with <, >, & and " escaped, for an element or an attribute. */
void html_put(FILE *fp, const char *s);

#endif
