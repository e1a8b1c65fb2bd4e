/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The collector's state during one pass, shared by gc.c and gc_sip.c. */
#ifndef XNAT_AGENT_GC_INTERNAL_H
#define XNAT_AGENT_GC_INTERNAL_H

#include <stdlib.h>
#include "gc.h"
#include "mapwalk.h"
#include "ports.h"

/* Sorted sets of 64-bit ids, for bsearch. */
struct u64_set {
	__u64 *v;
	size_t n;
};

static inline int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static inline int set_has(const struct u64_set *s, __u64 v)
{
	return s->n && bsearch(&v, s->v, s->n, sizeof(*s->v), cmp_u64);
}

static inline void set_sort(struct u64_set *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
}

static inline __u64 port_id(__u8 proto, __be16 port)
{
	return (__u64)proto << 16 | port;
}

static inline __u64 adf_id(__u8 proto, __be32 rem, __be16 port)
{
	return (__u64)rem << 24 | (__u64)port << 8 | proto;
}

/* An internal endpoint (address, port) as an id. */
static inline __u64 endpoint_id(__be32 addr, __be16 port)
{
	return (__u64)addr << 16 | port;
}

struct gc_ctx {
	const struct xnat_map_fds *m;
	struct xnat_port_table ports;
	const struct xnat_config *cfg;
	__u32 now;
	struct xnat_gc_result *r;
	struct u64_set ports_in_use;  /* port_id of mappings live sessions use */
	struct u64_set adf_in_use;
	struct xnat_snapshot dialogs; /* xnat_sip_dialogs, when the map is there */
	struct u64_set sip_bindings;  /* endpoint_id of the phones' live signalling endpoints */
	struct u64_set sip_ports;     /* port_id of the media mappings live dialogs own */
};

/* Remove a mapping if its slot still holds it; 0 when removed. */
int xnat_gc_mapping_remove(struct gc_ctx *g, __u32 slot, const struct xnat_port_owner *o);

/* gc_sip.c: before the sessions, the live bindings (g->sip_bindings); after
 * them, the dialogs: ended or expired ones go with their media mappings,
 * the others own theirs (g->sip_ports). 0 or -errno. */
int xnat_gc_sip_bindings(struct gc_ctx *g);
void xnat_gc_sip_dialogs(struct gc_ctx *g);
/* After the sessions: the sequence adjustments of SIP connections gone. */
void xnat_gc_sip_seqadj(struct gc_ctx *g);

#endif
