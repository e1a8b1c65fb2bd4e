// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The collector's SIP part. The fast path's ALG creates and moves on the
 * dialogs (xnat_sip_dialogs); here they end: an ended dialog (BYE, CANCEL,
 * failure, unregistered), an expired registration, or a call with neither
 * signalling nor media for [timeouts] sip-dialog takes its media mappings
 * with it. While a dialog lives, the phone's signalling session is kept
 * (an incoming INVITE finds its way in) and its media mappings stay.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "expiry.h"
#include "gc_internal.h"

static const struct xnat_sip_dialog_key *dialog_key(const struct gc_ctx *g, size_t i)
{
	return xnat_snapshot_key(&g->dialogs, i);
}

static const struct xnat_sip_dialog *dialog_val(const struct gc_ctx *g, size_t i)
{
	return xnat_snapshot_val(&g->dialogs, i);
}

/* Over, not counting media (which the dialog pass adds). */
static int dialog_over(const struct gc_ctx *g, const struct xnat_sip_dialog *d)
{
	if (d->state == XNAT_SIP_ENDED)
		return 1;
	if (d->state == XNAT_SIP_REGISTERED)
		return xnat_idle_for(g->now, d->expires, 0);
	return xnat_idle_for(g->now, d->last_seen, g->cfg->timeout_sip_dialog);
}

int xnat_gc_sip_bindings(struct gc_ctx *g)
{
	int err;

	if (g->m->sip_dialogs < 0)
		return 0;
	err = xnat_snapshot_take(g->m->sip_dialogs, sizeof(struct xnat_sip_dialog_key),
				 sizeof(struct xnat_sip_dialog), &g->dialogs);
	if (err)
		return err;
	g->sip_bindings.v = calloc(g->dialogs.n + 1, sizeof(__u64));
	g->sip_ports.v = calloc(g->dialogs.n * XNAT_SIP_DIALOG_PORTS + 1, sizeof(__u64));
	if (!g->sip_bindings.v || !g->sip_ports.v)
		return -ENOMEM;
	for (size_t i = 0; i < g->dialogs.n; i++) {
		const struct xnat_sip_dialog *d = dialog_val(g, i);

		if (!dialog_over(g, d) && d->lan_port)
			g->sip_bindings.v[g->sip_bindings.n++] = endpoint_id(dialog_key(g, i)->lan_addr,
									     d->lan_port);
	}
	set_sort(&g->sip_bindings);
	return 0;
}

static int media_in_use(const struct gc_ctx *g, const struct xnat_sip_dialog *d)
{
	for (int i = 0; i < d->n_ports && i < XNAT_SIP_DIALOG_PORTS; i++)
		if (set_has(&g->ports_in_use, port_id(IPPROTO_UDP, d->media_ext[i])))
			return 1;
	return 0;
}

/* Media flowing keeps a call alive: its last_seen moves on (re-read first,
 * so that a state the fast path just wrote is kept). */
static void dialog_touch(struct gc_ctx *g, const struct xnat_sip_dialog_key *k)
{
	struct xnat_sip_dialog d;

	if (bpf_map_lookup_elem(g->m->sip_dialogs, k, &d) || d.state == XNAT_SIP_ENDED)
		return;
	d.last_seen = g->now;
	bpf_map_update_elem(g->m->sip_dialogs, k, &d, BPF_EXIST);
}

/* The media mappings the dialog made, if their slots still hold them. */
static void dialog_release(struct gc_ctx *g, const struct xnat_sip_dialog_key *k,
			   const struct xnat_sip_dialog *d)
{
	for (int i = 0; i < d->n_ports && i < XNAT_SIP_DIALOG_PORTS; i++) {
		int slot = xnat_port_slot(IPPROTO_UDP, ntohs(d->media_ext[i]));
		struct xnat_port_owner o;

		if (slot < 0)
			continue;
		o = g->ports.slots[slot];
		if (!o.in_use || o.owner != XNAT_OWNER_SIP || o.int_addr != k->lan_addr)
			continue;
		if (!xnat_gc_mapping_remove(g, (__u32)slot, &o)) {
			xnat_host_give_back(g->m->host_freed, o.int_addr);
			g->r->sip_mappings_removed++;
		}
	}
}

void xnat_gc_sip_dialogs(struct gc_ctx *g)
{
	for (size_t i = 0; i < g->dialogs.n; i++) {
		const struct xnat_sip_dialog_key *k = dialog_key(g, i);
		const struct xnat_sip_dialog *d = dialog_val(g, i);
		int media = media_in_use(g, d);

		if (!dialog_over(g, d) || (media && d->state != XNAT_SIP_ENDED)) {
			if (media)
				dialog_touch(g, k);
			for (int j = 0; j < d->n_ports && j < XNAT_SIP_DIALOG_PORTS; j++)
				g->sip_ports.v[g->sip_ports.n++] = port_id(IPPROTO_UDP, d->media_ext[j]);
			continue;
		}
		dialog_release(g, k, d);
		if (!bpf_map_delete_elem(g->m->sip_dialogs, k)) {
			g->r->sip_dialogs_removed++;
			xnat_host_give_back(g->m->sip_closed, k->lan_addr); /* under its dialog limit again */
		}
	}
	set_sort(&g->sip_ports);
}

/* A SIP connection's sequence adjustment lives as long as its session. The
 * map is LRU, so a miss here would only come from a full table; removing
 * the dead ones keeps the live ones from being pushed out. */
void xnat_gc_sip_seqadj(struct gc_ctx *g)
{
	struct xnat_snapshot s;

	if (g->m->sip_seqadj < 0 ||
	    xnat_snapshot_take(g->m->sip_seqadj, sizeof(struct xnat_seqadj_key), sizeof(struct xnat_seqadj), &s))
		return;
	for (size_t i = 0; i < s.n; i++) {
		const struct xnat_seqadj_key *k = xnat_snapshot_key(&s, i);
		struct xnat_flow_key fk = { .saddr = k->lan_addr, .daddr = k->rem_addr, .sport = k->lan_port,
					    .dport = k->rem_port, .proto = IPPROTO_TCP, .dir = XNAT_DIR_OUT };
		struct xnat_flow v;

		if (bpf_map_lookup_elem(g->m->flows, &fk, &v) && !bpf_map_delete_elem(g->m->sip_seqadj, k))
			g->r->sip_tcp_removed++;
	}
	xnat_snapshot_free(&s);
}
