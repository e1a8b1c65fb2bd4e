/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The collector: the fast path creates state, xnatd removes it. One pass
 * removes idle sessions (both entries), half sessions, sessions whose mapping
 * is gone, dynamic mappings no session uses, expired leases, stale EIM and
 * address-filter entries, ended SIP dialogs with their media mappings, and
 * counts freed mappings per host for the quota.
 */
#ifndef XNAT_AGENT_GC_H
#define XNAT_AGENT_GC_H

#include <xnat/nat.h>
#include "maps.h"

/* A dynamic mapping outlives its last session by at least this long. */
#define XNAT_GC_MAPPING_GRACE 10
/* A half session younger than this may be a session being created. */
#define XNAT_GC_HALF_GRACE 2

struct xnat_gc_result {
	__u32 sessions_expired;   /* idle past their timeout */
	__u32 sessions_unmapped;  /* their mapping was removed or replaced */
	__u32 half_sessions;      /* one of the two entries missing */
	__u32 mappings_freed;     /* dynamic mappings without sessions */
	__u32 leases_expired;     /* UPnP / NAT-PMP / PCP / SIP mappings past expiry */
	__u32 eim_stale;
	__u32 adf_stale;
	__u32 sip_dialogs_removed;  /* ended, expired or idle calls and registrations */
	__u32 sip_mappings_removed; /* the media mappings they owned */
	__u32 sip_tcp_removed;      /* sequence adjustments of SIP connections that are gone */
};

/* One collection at time `now` (seconds of CLOCK_MONOTONIC). Returns 0 or -errno. */
int xnat_gc_run(const struct xnat_map_fds *m, const struct xnat_config *cfg, __u32 now,
		struct xnat_gc_result *r);

#endif
