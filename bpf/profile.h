/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stage-removal profile of the established path (`xnat-bench profile`,
 * part of `make bench`): a build with -DXNAT_PROFILE_SKIP=XNAT_STAGE_<x>
 * leaves stage x out, and the difference of its run time from the full
 * build's is what x costs. The gateway's own build leaves XNAT_PROFILE_SKIP
 * undefined: every stage_on() is the constant 1 and the compiler drops the
 * other branch. Only the established path has stages; what a variant does
 * to any other packet is of no interest.
 */
#ifndef XNAT_BPF_PROFILE_H
#define XNAT_BPF_PROFILE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <xnat/nat.h>

#define XNAT_STAGE_PARSE    1 /* the in-line parse: checks, then only the tuple read */
#define XNAT_STAGE_LOOKUP   2 /* the flow table's lookup: a one-entry array instead */
#define XNAT_STAGE_CLOCK    3 /* the clock read and the division to seconds */
#define XNAT_STAGE_TOUCH    4 /* the flow entry's last-seen and flags */
#define XNAT_STAGE_STATS    5 /* the per-CPU counters */
#define XNAT_STAGE_REWRITE  6 /* addresses, ports, checksums, TTL, Ethernet addresses */
#define XNAT_STAGE_FIB      7 /* bpf_fib_lookup: a fixed next hop instead */
#define XNAT_STAGE_REDIRECT 8 /* bpf_redirect: XDP_TX instead */

#ifndef XNAT_PROFILE_SKIP
#define XNAT_PROFILE_SKIP 0
#endif
#define stage_on(s) (XNAT_PROFILE_SKIP != (s))

#if XNAT_PROFILE_SKIP == XNAT_STAGE_LOOKUP
/* The flow entry every packet finds without the table: written by the bench. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xnat_flow);
} xnat_profile_flow SEC(".maps");

static __always_inline struct xnat_flow *profile_flow(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&xnat_profile_flow, &zero);
}
#else
static __always_inline struct xnat_flow *profile_flow(void)
{
	return (void *)0;
}
#endif

#endif
