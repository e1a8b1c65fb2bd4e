// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <xnat/stats.h>
#include "xnatctl.h"

static const struct ctl_column columns[] = {
	{ .name = "COUNTER" }, { .name = "PACKETS", .right = true }, { .name = "BYTES", .right = true },
};

/* JSON: an object keyed by counter name (every counter, zeros included), so
 * scripts can say .drop_filtered.packets. */
static void print_json(const struct xnat_counter *sum)
{
	struct xnat_json j;

	xnat_json_init(&j, stdout);
	xnat_json_object_begin(&j);
	for (unsigned int i = 0; i < XNAT_STAT_MAX; i++) {
		xnat_json_key(&j, xnat_stat_name(i));
		xnat_json_object_begin(&j);
		xnat_json_kv_uint(&j, "packets", sum[i].packets);
		xnat_json_kv_uint(&j, "bytes", sum[i].bytes);
		xnat_json_object_end(&j);
	}
	xnat_json_object_end(&j);
}

int cmd_stats(struct ctl *c, int argc, char **argv)
{
	struct xnat_counter sum[XNAT_STAT_MAX];
	struct ctl_table t;
	int err;

	(void)argv;
	if (argc)
		return ctl_usage("stats");
	if (ctl_open(c))
		return CTL_ERR;
	err = xnat_stats_read(c->maps.stats, sum);
	if (err)
		return ctl_fail("reading " XNAT_MAP_STATS, err);
	if (c->json) {
		print_json(sum);
		return CTL_OK;
	}
	ctl_table_init(&t, columns, sizeof(columns) / sizeof(columns[0]));
	for (unsigned int i = 0; i < XNAT_STAT_MAX; i++) {
		if (!c->all && !sum[i].packets)
			continue;
		ctl_table_cell(&t, "%s", xnat_stat_name(i));
		ctl_table_cell(&t, "%llu", (unsigned long long)sum[i].packets);
		ctl_table_cell(&t, "%llu", (unsigned long long)sum[i].bytes);
	}
	return ctl_table_print(&t, stdout) ? CTL_ERR : CTL_OK;
}
