/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Plain-text tables: cells are collected first so every column is exactly as
 * wide as its widest cell (addresses vary from 7 to 24 characters).
 */
#ifndef XNATCTL_TABLE_H
#define XNATCTL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct ctl_column {
	const char *name; /* header */
	bool right;       /* right-aligned (numbers) */
};

struct ctl_table {
	const struct ctl_column *cols;
	size_t ncols;
	char **cells;     /* row-major, ncols per row */
	size_t n, cap;
	bool failed;      /* out of memory: print reports it */
};

void ctl_table_init(struct ctl_table *t, const struct ctl_column *cols, size_t ncols);
/* The next cell, row after row. */
void ctl_table_cell(struct ctl_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Header, then the rows; frees the cells. Returns 0, or -1 (message printed). */
int ctl_table_print(struct ctl_table *t, FILE *out);

#endif
