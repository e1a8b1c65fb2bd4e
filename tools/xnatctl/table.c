// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "table.h"

void ctl_table_init(struct ctl_table *t, const struct ctl_column *cols, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
}

void ctl_table_cell(struct ctl_table *t, const char *fmt, ...)
{
	char *cell;
	va_list ap;

	if (t->failed)
		return;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16 * t->ncols;
		char **cells = realloc(t->cells, cap * sizeof(*cells));

		if (!cells) {
			t->failed = true;
			return;
		}
		t->cells = cells;
		t->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&cell, fmt, ap) < 0)
		t->failed = true;
	else
		t->cells[t->n++] = cell;
	va_end(ap);
}

static void print_row(const struct ctl_table *t, const size_t *width, const char *const *row, FILE *out)
{
	for (size_t c = 0; c < t->ncols; c++) {
		bool last = c + 1 == t->ncols;
		int w = (int)width[c];

		if (t->cols[c].right)
			fprintf(out, "%*s", w, row[c]);
		else if (last) /* no trailing blanks */
			fputs(row[c], out);
		else
			fprintf(out, "%-*s", w, row[c]);
		fputc(last ? '\n' : ' ', out);
	}
}

static void free_cells(struct ctl_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->n = t->cap = 0;
}

int ctl_table_print(struct ctl_table *t, FILE *out)
{
	size_t *width = calloc(t->ncols, sizeof(*width));
	const char **header = calloc(t->ncols, sizeof(*header));
	size_t rows = t->n / t->ncols;

	if (!width || !header || t->failed) {
		fprintf(stderr, "xnatctl: out of memory\n");
		free(width);
		free(header);
		free_cells(t);
		return -1;
	}
	for (size_t c = 0; c < t->ncols; c++) {
		header[c] = t->cols[c].name;
		width[c] = strlen(header[c]);
	}
	for (size_t i = 0; i < rows * t->ncols; i++) {
		size_t len = strlen(t->cells[i]);

		if (len > width[i % t->ncols])
			width[i % t->ncols] = len;
	}
	print_row(t, width, header, out);
	for (size_t r = 0; r < rows; r++)
		print_row(t, width, (const char *const *)&t->cells[r * t->ncols], out);
	free(width);
	free(header);
	free_cells(t);
	return 0;
}
