// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "expiry.h"
#include "gc.h"
#include "mapwalk.h"
#include "ports.h"
#include "gc_internal.h"

/* Is the session's mapping still the one it was made through? */
static int mapping_holds(const struct xnat_port_table *t, const struct xnat_flow_key *out,
			 const struct xnat_flow *v)
{
	int slot = xnat_port_slot(out->proto, ntohs(v->port));
	const struct xnat_port_owner *o;

	if (v->owner == XNAT_OWNER_LOCAL)
		return 1;
	if (slot < 0)
		return 0;
	o = &t->slots[slot];
	return o->in_use && o->int_addr == out->saddr && o->int_port == out->sport;
}


/* Sessions, seen from their OUT entries; fills the in-use sets. */
static void collect_sessions(struct gc_ctx *g, const struct xnat_snapshot *flows)
{
	for (size_t i = 0; i < flows->n; i++) {
		const struct xnat_flow_key *ko = xnat_snapshot_key(flows, i);
		const struct xnat_flow *vo = xnat_snapshot_val(flows, i);
		struct xnat_flow_key ki;
		struct xnat_flow vi;
		__u32 last, timeout;
		int has_in, bound;

		if (ko->dir != XNAT_DIR_OUT)
			continue;
		xnat_flow_in_key(ko, vo, &ki);
		has_in = !bpf_map_lookup_elem(g->m->flows, &ki, &vi);
		last = vo->last_seen;
		if (has_in && (__s32)(vi.last_seen - last) > 0)
			last = vi.last_seen;
		timeout = xnat_session_timeout(g->cfg, ko->proto, vo->flags, has_in ? vi.flags : 0);

		/* A phone's signalling session lives as long as its SIP dialog or registration. */
		bound = ko->proto == IPPROTO_UDP && set_has(&g->sip_bindings, endpoint_id(ko->saddr, ko->sport));
		if (!has_in && xnat_idle_for(g->now, vo->last_seen, XNAT_GC_HALF_GRACE))
			g->r->half_sessions++;
		else if (!bound && xnat_idle_for(g->now, last, timeout))
			g->r->sessions_expired++;
		else if (!mapping_holds(&g->ports, ko, vo))
			g->r->sessions_unmapped++;
		else {
			if (vo->owner != XNAT_OWNER_LOCAL) {
				g->ports_in_use.v[g->ports_in_use.n++] = port_id(ko->proto, vo->port);
				g->adf_in_use.v[g->adf_in_use.n++] = adf_id(ko->proto, ko->daddr, vo->port);
			}
			continue;
		}
		bpf_map_delete_elem(g->m->flows, ko);
		if (has_in)
			bpf_map_delete_elem(g->m->flows, &ki);
	}
	set_sort(&g->ports_in_use);
	set_sort(&g->adf_in_use);
}

/* IN entries whose OUT entry is gone. */
static void collect_half_in(struct gc_ctx *g, const struct xnat_snapshot *flows)
{
	for (size_t i = 0; i < flows->n; i++) {
		const struct xnat_flow_key *ki = xnat_snapshot_key(flows, i);
		const struct xnat_flow *vi = xnat_snapshot_val(flows, i);
		struct xnat_flow_key ko;
		struct xnat_flow vo;

		if (ki->dir != XNAT_DIR_IN)
			continue;
		xnat_flow_out_key(ki, vi, &ko);
		if (!bpf_map_lookup_elem(g->m->flows, &ko, &vo) ||
		    !xnat_idle_for(g->now, vi->last_seen, XNAT_GC_HALF_GRACE))
			continue;
		if (!bpf_map_delete_elem(g->m->flows, ki))
			g->r->half_sessions++;
	}
}

/* Remove a mapping: the EIM entry first (no new session can find it), then
 * the port, only if it still holds the same mapping. */
int xnat_gc_mapping_remove(struct gc_ctx *g, __u32 slot, const struct xnat_port_owner *o)
{
	__u8 proto = xnat_slot_proto(slot);
	struct xnat_eim_key ek = { .int_addr = o->int_addr, .int_port = o->int_port, .proto = proto };
	struct xnat_eim ev;

	if (!bpf_map_lookup_elem(g->m->eim, &ek, &ev) && ev.ext_port == htons(xnat_slot_port(slot)))
		bpf_map_delete_elem(g->m->eim, &ek);
	return xnat_port_release(&g->ports, slot, xnat_port_claim_word(o->int_addr, o->int_port, o->owner));
}

static void collect_mappings(struct gc_ctx *g)
{
	for (__u32 slot = 0; slot < XNAT_PORT_SLOTS; slot++) {
		struct xnat_port_owner o = g->ports.slots[slot];
		__be16 port = htons(xnat_slot_port(slot));
		__u8 proto = xnat_slot_proto(slot);

		if (!o.in_use)
			continue;
		if (o.owner == XNAT_OWNER_SIP && set_has(&g->sip_ports, port_id(proto, port)))
			continue; /* a live dialog's media */
		/* Dynamic mappings, and SIP ones no dialog owns, go with their last session. */
		if (o.owner == XNAT_OWNER_DYNAMIC || o.owner == XNAT_OWNER_SIP) {
			if (set_has(&g->ports_in_use, port_id(proto, port)) ||
			    !xnat_idle_for(g->now, o.last_used, XNAT_GC_MAPPING_GRACE))
				continue;
			if (xnat_gc_mapping_remove(g, slot, &o))
				continue; /* taken again meanwhile */
			xnat_host_give_back(g->m->host_freed, o.int_addr);
			g->r->mappings_freed++;
		} else if (o.expires && xnat_idle_for(g->now, o.expires, 0)) {
			if (!xnat_gc_mapping_remove(g, slot, &o))
				g->r->leases_expired++;
		}
	}
}

/* EIM entries whose port is gone or belongs to another endpoint. */
static void collect_eim(struct gc_ctx *g, const struct xnat_snapshot *eim)
{
	for (size_t i = 0; i < eim->n; i++) {
		const struct xnat_eim_key *ek = xnat_snapshot_key(eim, i);
		const struct xnat_eim *ev = xnat_snapshot_val(eim, i);
		int slot = xnat_port_slot(ek->proto, ntohs(ev->ext_port));
		const struct xnat_port_owner *o = slot < 0 ? NULL : &g->ports.slots[slot];

		if (o && o->in_use && o->int_addr == ek->int_addr && o->int_port == ek->int_port)
			continue;
		if (!xnat_idle_for(g->now, ev->created, XNAT_GC_HALF_GRACE))
			continue;
		if (!bpf_map_delete_elem(g->m->eim, ek))
			g->r->eim_stale++;
	}
}

/* Address-filter entries outlive the last session to that address by the UDP timeout. */
static void collect_adf(struct gc_ctx *g, const struct xnat_snapshot *adf)
{
	for (size_t i = 0; i < adf->n; i++) {
		const struct xnat_adf_key *ak = xnat_snapshot_key(adf, i);
		const __u32 *last = xnat_snapshot_val(adf, i);

		if (set_has(&g->adf_in_use, adf_id(ak->proto, ak->rem_addr, ak->ext_port)) ||
		    !xnat_idle_for(g->now, *last, g->cfg->timeout_udp))
			continue;
		if (!bpf_map_delete_elem(g->m->adf, ak))
			g->r->adf_stale++;
	}
}


/* PCP FILTER rules whose mapping is gone (or is another one now). */
static void collect_port_filters(struct gc_ctx *g)
{
	struct xnat_snapshot s;

	if (g->m->port_filters < 0 ||
	    xnat_snapshot_take(g->m->port_filters, sizeof(__u32), sizeof(struct xnat_port_filter), &s))
		return;
	for (size_t i = 0; i < s.n; i++) {
		const __u32 *slot = xnat_snapshot_key(&s, i);
		const struct xnat_port_filter *f = xnat_snapshot_val(&s, i);

		if (*slot >= XNAT_PORT_SLOTS || xnat_port_word(&g->ports, *slot) != f->claim)
			bpf_map_delete_elem(g->m->port_filters, slot);
	}
	xnat_snapshot_free(&s);
}

int xnat_gc_run(const struct xnat_map_fds *m, const struct xnat_config *cfg, __u32 now,
		struct xnat_gc_result *r)
{
	struct xnat_snapshot flows = {}, eim = {}, adf = {};
	struct gc_ctx g = { .m = m, .cfg = cfg, .now = now, .r = r };
	int err;

	memset(r, 0, sizeof(*r));
	err = xnat_ports_open(m->ports, true, &g.ports);
	if (err)
		return err;
	err = xnat_snapshot_take(m->flows, sizeof(struct xnat_flow_key), sizeof(struct xnat_flow),
				 &flows);
	if (err)
		goto out;
	g.ports_in_use.v = calloc(flows.n + 1, sizeof(__u64));
	g.adf_in_use.v = calloc(flows.n + 1, sizeof(__u64));
	if (!g.ports_in_use.v || !g.adf_in_use.v) {
		err = -ENOMEM;
		goto out;
	}
	err = xnat_gc_sip_bindings(&g);
	if (err)
		goto out;
	collect_sessions(&g, &flows);
	collect_half_in(&g, &flows);
	xnat_gc_sip_dialogs(&g);
	xnat_gc_sip_seqadj(&g);
	collect_mappings(&g);
	collect_port_filters(&g);
	err = xnat_snapshot_take(m->eim, sizeof(struct xnat_eim_key), sizeof(struct xnat_eim), &eim);
	if (err)
		goto out;
	collect_eim(&g, &eim);
	err = xnat_snapshot_take(m->adf, sizeof(struct xnat_adf_key), sizeof(__u32), &adf);
	if (err)
		goto out;
	collect_adf(&g, &adf);
out:
	free(g.ports_in_use.v);
	free(g.adf_in_use.v);
	free(g.sip_bindings.v);
	free(g.sip_ports.v);
	xnat_snapshot_free(&g.dialogs);
	xnat_ports_close(&g.ports);
	xnat_snapshot_free(&flows);
	xnat_snapshot_free(&eim);
	xnat_snapshot_free(&adf);
	return err;
}
