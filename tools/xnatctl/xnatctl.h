/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* xnatctl: one file per command group, over the pinned maps. */
#ifndef XNATCTL_H
#define XNATCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <xnat/nat.h>
#include "json.h"
#include "maps.h"
#include "table.h"

/* Exit codes */
#define CTL_OK    0
#define CTL_ERR   1 /* the maps can't be read or written, a bad value */
#define CTL_USAGE 2 /* unknown command or option, wrong arguments */

struct ctl {
	const char *pin_root;
	bool json;
	bool all;                 /* stats: show zero counters too */
	struct xnat_map_fds maps; /* opened by the command once its arguments are good */
};

/* Opens the pinned maps or prints why not; returns 0 or -1. */
int ctl_open(struct ctl *c);
/* "xnatctl: WHAT: strerror(-err)" on stderr; returns CTL_ERR. */
int ctl_fail(const char *what, int err);
/* The usage line of one command on stderr; returns CTL_USAGE. */
int ctl_usage(const char *cmd);

const char *ctl_proto_name(__u8 proto);
const char *ctl_owner_name(__u8 owner);
/* "a.b.c.d" */
void ctl_addr(char *buf, size_t len, __be32 addr);
/* "a.b.c.d:port", ICMP "a.b.c.d id N" (port/identifier in network order) */
void ctl_endpoint(char *buf, size_t len, __be32 addr, __be16 port, __u8 proto);

int cmd_status(struct ctl *c, int argc, char **argv);
int cmd_mappings(struct ctl *c, int argc, char **argv);
int cmd_sessions(struct ctl *c, int argc, char **argv);
int cmd_forward(struct ctl *c, int argc, char **argv);
int cmd_stats(struct ctl *c, int argc, char **argv);

#endif
