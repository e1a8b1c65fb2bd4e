/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Request rate limiting per LAN host for the port mapping servers (UPnP
 * IGD, NAT-PMP, PCP): one token bucket per host address, so one chatty or
 * hostile host cannot keep xnatd busy for the others. Pure: the caller
 * passes a monotonic millisecond clock. Integer arithmetic only (tokens
 * are counted in thousandths), safe against huge clock jumps and a clock
 * going backwards.
 */
#ifndef XNAT_AGENT_RATELIMIT_H
#define XNAT_AGENT_RATELIMIT_H

#include <stdbool.h>
#include <linux/types.h>

#define XNAT_RATELIMIT_HOSTS 256   /* tracked hosts; the least recently seen is replaced when full */

struct xnat_ratelimit {
	__u32 rate;    /* requests per second refilled, 0: no limit */
	__u32 burst;   /* bucket size (>= 1 when rate > 0) */
	struct xnat_ratelimit_host {
		__be32 addr;
		__u64 tokens_milli;  /* thousandths of a request, at most burst * 1000 */
		__u64 last_ms;       /* last request seen, allowed or not: refill start and LRU age */
		bool used;
	} host[XNAT_RATELIMIT_HOSTS];
	__u64 refused;
};

/* Empty table; a burst of 0 with a rate is taken as 1 (no request would ever pass). */
void xnat_ratelimit_init(struct xnat_ratelimit *rl, __u32 rate, __u32 burst);

/*
 * May this host make a request at now_ms (a monotonic millisecond clock)?
 * Takes a token when yes; counts refusals in rl->refused. A host not seen
 * yet starts with a full bucket (burst requests at once), replacing the
 * least recently seen one when the table is full. Time before the host's
 * last request (a clock gone backwards) refills nothing and restarts the
 * refill from now_ms.
 */
bool xnat_ratelimit_allow(struct xnat_ratelimit *rl, __be32 addr, __u64 now_ms);

#endif
