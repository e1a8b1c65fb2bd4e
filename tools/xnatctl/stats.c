// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include <xnat/stats.h>
#include "xnatctl.h"

int cmd_stats(struct ctl *c, int argc, char **argv)
{
	struct xnat_counter sum[XNAT_STAT_MAX];
	struct xnat_json j;
	int err;

	(void)argv;
	if (argc) {
		fprintf(stderr, "xnatctl: stats takes no arguments but --all\n");
		return 2;
	}
	err = xnat_stats_read(c->maps.stats, sum);
	if (err) {
		fprintf(stderr, "xnatctl: reading %s: %s\n", XNAT_MAP_STATS, strerror(-err));
		return 1;
	}
	if (c->json) {
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
		return 0;
	}
	printf("%-28s %14s %16s\n", "COUNTER", "PACKETS", "BYTES");
	for (unsigned int i = 0; i < XNAT_STAT_MAX; i++)
		if (c->all || sum[i].packets)
			printf("%-28s %14llu %16llu\n", xnat_stat_name(i),
			       (unsigned long long)sum[i].packets, (unsigned long long)sum[i].bytes);
	return 0;
}
