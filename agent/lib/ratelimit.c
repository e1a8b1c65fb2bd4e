// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Token buckets per LAN host (see ratelimit.h). A rate of R requests per
 * second refills exactly R thousandths of a token per millisecond, so the
 * refill is a whole number with no rounding drift. The elapsed time is
 * compared with the time to fill the bucket before multiplying: a jump of
 * years cannot overflow. A linear scan of 256 entries is cheap next to the
 * request it guards.
 */
#include <string.h>
#include "ratelimit.h"

#define MILLI 1000u /* thousandths of a token per request */

void xnat_ratelimit_init(struct xnat_ratelimit *rl, __u32 rate, __u32 burst)
{
	memset(rl, 0, sizeof(*rl));
	rl->rate = rate;
	rl->burst = rate && !burst ? 1 : burst;
}

/* The entry of addr, or the one to give it: a free entry, else the least recently seen. */
static struct xnat_ratelimit_host *find_slot(struct xnat_ratelimit *rl, __be32 addr, bool *found)
{
	struct xnat_ratelimit_host *free_slot = NULL, *oldest = NULL;

	for (unsigned int i = 0; i < XNAT_RATELIMIT_HOSTS; i++) {
		struct xnat_ratelimit_host *h = &rl->host[i];

		if (!h->used) {
			if (!free_slot)
				free_slot = h;
			continue;
		}
		if (h->addr == addr) {
			*found = true;
			return h;
		}
		if (!oldest || h->last_ms < oldest->last_ms)
			oldest = h;
	}
	*found = false;
	return free_slot ? free_slot : oldest;
}

static void refill(const struct xnat_ratelimit *rl, struct xnat_ratelimit_host *h, __u64 now_ms)
{
	__u64 full = (__u64)rl->burst * MILLI;   /* < 2^42: no overflow */
	__u64 elapsed, missing;

	/* a clock gone backwards: no refill, and the refill counts from now on */
	if (now_ms <= h->last_ms) {
		h->last_ms = now_ms;
		return;
	}
	elapsed = now_ms - h->last_ms;
	h->last_ms = now_ms;
	if (h->tokens_milli >= full) {
		h->tokens_milli = full;
		return;
	}
	missing = full - h->tokens_milli;
	/* compare by division first: elapsed * rate may not fit in 64 bits */
	if (elapsed >= missing / rl->rate + 1)
		h->tokens_milli = full;
	else
		h->tokens_milli += elapsed * rl->rate; /* elapsed <= missing / rate: at most full */
}

bool xnat_ratelimit_allow(struct xnat_ratelimit *rl, __be32 addr, __u64 now_ms)
{
	struct xnat_ratelimit_host *h;
	bool found;

	if (!rl->rate)
		return true;
	h = find_slot(rl, addr, &found);
	if (found) {
		refill(rl, h, now_ms);
	} else {
		/* new (or replaced) host: a full bucket, as if idle for long */
		h->addr = addr;
		h->used = true;
		h->tokens_milli = (__u64)rl->burst * MILLI;
		h->last_ms = now_ms;
	}
	if (h->tokens_milli < MILLI) {
		rl->refused++;
		return false;
	}
	h->tokens_milli -= MILLI;
	return true;
}
