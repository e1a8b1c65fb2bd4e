/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * PCP FILTER rules (RFC 6887 13.3) of a PCP mapping, kept where the fast
 * path applies them: the xnat_port_filters entry of the mapping's port
 * slot, tagged with the mapping's claim word (include/xnat/nat.h).
 */
#ifndef XNAT_AGENT_PCP_FILTER_H
#define XNAT_AGENT_PCP_FILTER_H

#include "lease.h"

/* Add r to list[*n] unless it is there. Returns 0, or -1 when the list
 * already holds XNAT_PORT_FILTERS rules. */
int xnat_pcp_filter_add(struct xnat_remote_filter *list, unsigned int *n, const struct xnat_remote_filter *r);

/* The rules of lease l into out[XNAT_PORT_FILTERS]; returns their count
 * (0: none, or the entry belongs to an ended mapping). */
int xnat_pcp_filters_get(const struct xnat_map_fds *m, const struct xnat_lease *l,
			 struct xnat_remote_filter *out);

/* Give lease l exactly these n rules (n 0: none, anyone may send).
 * Returns 0 or -errno (no FILTER map, the table full, n too big). */
int xnat_pcp_filters_set(const struct xnat_map_fds *m, const struct xnat_lease *l,
			 const struct xnat_remote_filter *f, unsigned int n);

#endif
