/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* xnatctl: one file per command group, over the pinned maps. */
#ifndef XNATCTL_H
#define XNATCTL_H

#include <stdbool.h>
#include <xnat/nat.h>
#include "json.h"
#include "maps.h"

struct ctl {
	const char *pin_root;
	bool json;
	bool all;                 /* stats: show zero counters too */
	struct xnat_map_fds maps;
};

/* Opens the pinned maps or prints why not; returns 0 or -1. */
int ctl_open(struct ctl *c);

const char *ctl_proto_name(__u8 proto);
const char *ctl_owner_name(__u8 owner);
/* "a.b.c.d:port" (port in network order; ICMP shows "id N") */
void ctl_endpoint(char *buf, size_t len, __be32 addr, __be16 port, __u8 proto);

int cmd_status(struct ctl *c, int argc, char **argv);
int cmd_mappings(struct ctl *c, int argc, char **argv);
int cmd_sessions(struct ctl *c, int argc, char **argv);
int cmd_forward(struct ctl *c, int argc, char **argv);
int cmd_stats(struct ctl *c, int argc, char **argv);

#endif
