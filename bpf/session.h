/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sessions: a flow through a mapping, stored as an OUT entry (keyed by the
 * LAN-side tuple) and an IN entry (keyed by the WAN-side tuple) of xnat_flows.
 */
#ifndef XNAT_BPF_SESSION_H
#define XNAT_BPF_SESSION_H

#include "maps.h"
#include "parse.h"
#include "stats.h"

/* The two ends of a session, in the terms of the LAN host. */
struct xnat_session {
	__be32 lan_addr;
	__be32 rem_addr;
	__be32 ext_addr;
	__be16 lan_port;
	__be16 rem_port;
	__be16 ext_port;
	__u8 proto;
	__u8 owner;
};

static __always_inline void flow_key_out(struct xnat_flow_key *k, const struct xnat_session *s)
{
	k->saddr = s->lan_addr;
	k->daddr = s->rem_addr;
	k->sport = s->lan_port;
	k->dport = s->rem_port;
	k->proto = s->proto;
	k->dir = XNAT_DIR_OUT;
	k->pad = 0;
}

/* ICMP queries: the reply carries the identifier in its dport, 0 in its sport. */
static __always_inline void flow_key_in(struct xnat_flow_key *k, const struct xnat_session *s)
{
	k->saddr = s->rem_addr;
	k->daddr = s->ext_addr;
	k->sport = s->rem_port;
	k->dport = s->ext_port;
	k->proto = s->proto;
	k->dir = XNAT_DIR_IN;
	k->pad = 0;
}

/* The key of a packet's flow entry: its tuple as seen going dir. */
static __always_inline void flow_key_of(struct xnat_flow_key *k, const struct xnat_tuple *t, enum xnat_dir dir)
{
	k->saddr = t->saddr;
	k->daddr = t->daddr;
	k->sport = t->sport;
	k->dport = t->dport;
	k->proto = t->proto;
	k->dir = dir;
	k->pad = 0;
}

/* Refresh an entry: at most one store per second, flags only when new. */
static __always_inline void flow_touch(struct xnat_flow *f, __u8 flags, __u32 now)
{
	if (f->last_seen != now)
		f->last_seen = now;
	if ((f->flags | flags) != f->flags)
		f->flags |= flags;
}

/* A map operation's error. Linux 6.1 calls the map's update directly, as a
 * function returning int, and hands its error to the program zero-extended
 * (-EEXIST arrives as 0xffffffef): only the low 32 bits count. */
static __always_inline int map_err(long ret)
{
	return (int)ret;
}

/* The entry of session s going dir: its key, and what a packet becomes. */
static __always_inline void flow_entry_of(const struct xnat_session *s, __u32 dir, struct xnat_flow_key *k,
					  struct xnat_flow *v)
{
	if (dir == XNAT_DIR_OUT) {
		flow_key_out(k, s);
		v->addr = s->ext_addr;
		v->port = s->ext_port;
	} else {
		flow_key_in(k, s);
		v->addr = s->lan_addr;
		v->port = s->lan_port;
	}
}

/*
 * Insert both entries of a session, both with BPF_NOEXIST. The entry of the
 * packet's own direction goes in first (another CPU may be creating the same
 * session: then there is nothing to do). If the other entry exists already,
 * it belongs to another session with the same tuple on that side (e.g. the
 * gateway's own flow reusing a LAN flow's exact tuple): that session is never
 * overwritten; the new one is rolled back and the packet dropped, counted.
 * Returns 0 (created, or found created by another CPU) or an XNAT_STAT_DROP_*.
 * A BPF global function: checked once, whoever calls it. One value buffer
 * serves both entries in turn: this frame is counted under the entry
 * point's (6.1: 512 bytes for the deepest chain of calls).
 */
__attribute__((noinline)) int xnat_session_create(const struct xnat_session *s, __u32 dir, __u32 flags,
						   __u32 now)
{
	__u32 other = dir == XNAT_DIR_OUT ? XNAT_DIR_IN : XNAT_DIR_OUT;
	struct xnat_flow v = { .last_seen = now };
	struct xnat_flow_key first, second;
	int err;

	if (!s)
		return XNAT_STAT_DROP_TABLE_FULL;
	v.owner = s->owner;
	v.flags = flags;
	flow_entry_of(s, dir, &first, &v);
	err = map_err(bpf_map_update_elem(&xnat_flows, &first, &v, BPF_NOEXIST));
	if (err == -17 /* EEXIST */)
		return 0;
	if (err)
		return XNAT_STAT_DROP_TABLE_FULL;
	v.flags = 0;
	flow_entry_of(s, other, &second, &v);
	err = map_err(bpf_map_update_elem(&xnat_flows, &second, &v, BPF_NOEXIST));
	if (err) {
		bpf_map_delete_elem(&xnat_flows, &first);
		return err == -17 /* EEXIST */ ? XNAT_STAT_DROP_SESSION_CONFLICT : XNAT_STAT_DROP_TABLE_FULL;
	}
	count_event(XNAT_STAT_NEW_SESSION);
	return 0;
}

#endif
