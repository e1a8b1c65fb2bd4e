// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Leases in the fast path's tables (see lease.h). A slot is claimed and
 * released with the same compare-and-exchange the fast path uses, so a
 * lease never takes a port a first packet took a moment before.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "lease.h"
#include "ports.h"

/* The slot's claim word, read in one piece. */
static union xnat_port_claim claim_of(const struct xnat_port_table *t, __u32 slot)
{
	union xnat_port_claim c = { .word = xnat_port_word(t, slot) };

	return c;
}

static __u32 slot_of(__u8 proto, __u16 port)
{
	return (__u32)xnat_port_slot(proto, port);
}

static bool holds(union xnat_port_claim c, __u8 owner, __be32 addr, __u16 port)
{
	return c.f.in_use && c.f.owner == owner && c.f.int_addr == addr && c.f.int_port == htons(port);
}

static void fill(struct xnat_lease *l, const struct xnat_port_table *t, __u32 slot)
{
	union xnat_port_claim c = claim_of(t, slot);

	l->proto = xnat_slot_proto(slot);
	l->owner = c.f.owner;
	l->ext_port = xnat_slot_port(slot);
	l->int_addr = c.f.int_addr;
	l->int_port = ntohs(c.f.int_port);
	l->expires = t->slots[slot].expires;
}

/* The slot of owner's lease for the endpoint (ext_port 0: any), or -1. */
static long find_slot(const struct xnat_port_table *t, __u8 owner, __u8 proto, __be32 addr, __u16 port,
		      __u16 ext_port)
{
	__u32 first = slot_of(proto, ext_port ? ext_port : 0), last = ext_port ? first : first + 65535;

	for (__u32 slot = first; slot <= last; slot++)
		if (holds(claim_of(t, slot), owner, addr, port))
			return slot;
	return -1;
}

static bool valid(const struct xnat_lease_req *r)
{
	return (r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP) && xnat_owner_is_lease(r->owner) &&
	       r->int_addr && r->int_port && r->lifetime && (!r->exact || r->want_ext) &&
	       r->port_min && r->port_min <= r->port_max;
}

static __u32 expiry(const struct xnat_lease_req *r, __u32 now)
{
	__u32 e = now + r->lifetime;

	if (r->lifetime == XNAT_LEASE_PERMANENT)
		return 0;
	return e ? e : 1; /* 0 means never */
}

static int renew(struct xnat_port_table *t, __u32 slot, const struct xnat_lease_req *r, __u32 now,
		 struct xnat_lease *out)
{
	t->slots[slot].expires = expiry(r, now);
	fill(out, t, slot);
	return XNAT_LEASE_RENEWED;
}

/* A slot now held for the lease: its lifetime, and the endpoint's EIM entry
 * (kept when the endpoint has one: its outbound traffic keeps its port). */
static int finish(const struct xnat_map_fds *m, struct xnat_port_table *t, __u32 slot,
		  const struct xnat_lease_req *r, __u32 now, struct xnat_lease *out)
{
	struct xnat_eim_key ek;
	struct xnat_eim ev;

	t->slots[slot].last_used = now;
	t->slots[slot].expires = expiry(r, now);
	memset(&ek, 0, sizeof(ek)); /* keys hash bytewise: padding must be zero */
	ek.int_addr = r->int_addr;
	ek.int_port = htons(r->int_port);
	ek.proto = r->proto;
	memset(&ev, 0, sizeof(ev));
	ev.ext_port = htons(xnat_slot_port(slot));
	ev.created = now;
	if (bpf_map_update_elem(m->eim, &ek, &ev, BPF_NOEXIST) && errno != EEXIST) {
		int e = errno;

		xnat_port_release(t, slot, xnat_port_claim_word(r->int_addr, htons(r->int_port), r->owner));
		errno = e;
		return XNAT_LEASE_SYSTEM;
	}
	fill(out, t, slot);
	return XNAT_LEASE_GRANTED;
}

static bool permitted(const struct xnat_lease_req *r, __u16 ext_port)
{
	return !r->rules || xnat_pm_permitted(r->rules, ext_port, r->int_addr, r->int_port);
}

/* The endpoint's dynamic mapping, handed to the lease; -1 when there is none
 * (or its port is not one the rules give it). */
static long adopt_dynamic(const struct xnat_map_fds *m, struct xnat_port_table *t,
			  const struct xnat_lease_req *r)
{
	struct xnat_eim_key ek;
	struct xnat_eim ev;
	__u64 dyn, mine;
	__u32 slot;

	memset(&ek, 0, sizeof(ek));
	ek.int_addr = r->int_addr;
	ek.int_port = htons(r->int_port);
	ek.proto = r->proto;
	if (bpf_map_lookup_elem(m->eim, &ek, &ev))
		return -1;
	if ((r->exact && ntohs(ev.ext_port) != r->want_ext) || !permitted(r, ntohs(ev.ext_port)))
		return -1;
	slot = slot_of(r->proto, ntohs(ev.ext_port));
	dyn = xnat_port_claim_word(r->int_addr, htons(r->int_port), XNAT_OWNER_DYNAMIC);
	mine = xnat_port_claim_word(r->int_addr, htons(r->int_port), r->owner);
	if (xnat_port_reown(t, slot, dyn, mine))
		return -1;
	/* A lease is not a dynamic mapping: the host's quota has it back. */
	xnat_host_give_back(m->host_freed, r->int_addr);
	return (long)slot;
}

static int try_claim(struct xnat_port_table *t, const struct xnat_lease_req *r, __u16 port, __u32 now,
		     struct xnat_port_owner *holder)
{
	return xnat_port_claim(t, slot_of(r->proto, port),
			       xnat_port_claim_word(r->int_addr, htons(r->int_port), r->owner), now, holder);
}

static int grant(const struct xnat_map_fds *m, struct xnat_port_table *t, const struct xnat_lease_req *r,
		 __u32 now, struct xnat_lease *out)
{
	struct xnat_port_owner holder;
	__u32 n, start, rnd = 0;
	bool denied = false;
	long slot;

	if (r->reuse) {
		slot = find_slot(t, r->owner, r->proto, r->int_addr, r->int_port, 0);
		if (slot >= 0) /* held already; rules changed since: no renewal */
			return permitted(r, xnat_slot_port((__u32)slot)) ? renew(t, (__u32)slot, r, now, out)
									 : XNAT_LEASE_DENIED;
	}
	if (r->want_ext && holds(claim_of(t, slot_of(r->proto, r->want_ext)), r->owner, r->int_addr, r->int_port))
		return permitted(r, r->want_ext) ? renew(t, slot_of(r->proto, r->want_ext), r, now, out)
						 : XNAT_LEASE_DENIED;
	slot = adopt_dynamic(m, t, r);
	if (slot >= 0)
		return finish(m, t, (__u32)slot, r, now, out);
	if (r->want_ext && !permitted(r, r->want_ext)) {
		if (r->exact)
			return XNAT_LEASE_DENIED;
		denied = true;
	} else if (r->want_ext) {
		if (!try_claim(t, r, r->want_ext, now, &holder))
			return finish(m, t, slot_of(r->proto, r->want_ext), r, now, out);
		if (r->exact) {
			memset(out, 0, sizeof(*out));
			out->proto = r->proto;
			out->owner = holder.owner;
			out->ext_port = r->want_ext;
			out->int_addr = holder.int_addr;
			out->int_port = ntohs(holder.int_port);
			return XNAT_LEASE_CONFLICT;
		}
	}
	/* Any free port of the range, from a random place (ports are not guessable). */
	n = (__u32)r->port_max - r->port_min + 1;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = now;
	start = rnd % n;
	for (__u32 i = 0; i < n; i++) {
		__u16 port = (__u16)(r->port_min + (start + i) % n);

		if (!permitted(r, port))
			denied = true;
		else if (!try_claim(t, r, port, now, NULL))
			return finish(m, t, slot_of(r->proto, port), r, now, out);
	}
	return denied ? XNAT_LEASE_DENIED : XNAT_LEASE_NO_PORT;
}

int xnat_lease_grant(const struct xnat_map_fds *m, const struct xnat_lease_req *r, __u32 now,
		     struct xnat_lease *out)
{
	struct xnat_port_table t;
	int rc;

	if (!valid(r))
		return XNAT_LEASE_INVALID;
	if (xnat_ports_open(m->ports, true, &t))
		return XNAT_LEASE_SYSTEM;
	rc = grant(m, &t, r, now, out);
	xnat_ports_close(&t);
	return rc;
}

int xnat_lease_find(const struct xnat_map_fds *m, __u8 owner, __u8 proto, __be32 int_addr,
		    __u16 int_port, __u16 ext_port, struct xnat_lease *out)
{
	struct xnat_port_table t;
	long slot;

	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || xnat_ports_open(m->ports, false, &t))
		return -1;
	slot = find_slot(&t, owner, proto, int_addr, int_port, ext_port);
	if (slot >= 0)
		fill(out, &t, (__u32)slot);
	xnat_ports_close(&t);
	return slot >= 0 ? 0 : -1;
}

int xnat_lease_at(const struct xnat_map_fds *m, __u8 proto, __u16 ext_port, struct xnat_lease *out)
{
	struct xnat_port_table t;
	bool used;

	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || !ext_port || xnat_ports_open(m->ports, false, &t))
		return -1;
	used = claim_of(&t, slot_of(proto, ext_port)).f.in_use;
	if (used)
		fill(out, &t, slot_of(proto, ext_port));
	xnat_ports_close(&t);
	return used ? 0 : -1;
}

int xnat_lease_remove(const struct xnat_map_fds *m, const struct xnat_lease *l)
{
	struct xnat_port_table t;
	struct xnat_eim_key ek;
	struct xnat_eim ev;
	__u32 slot;
	int rc;

	if ((l->proto != IPPROTO_TCP && l->proto != IPPROTO_UDP) || !l->ext_port ||
	    xnat_ports_open(m->ports, true, &t))
		return -1;
	slot = slot_of(l->proto, l->ext_port);
	if (!holds(claim_of(&t, slot), l->owner, l->int_addr, l->int_port)) {
		xnat_ports_close(&t);
		return -1;
	}
	/* The EIM entry first: it must never point at a port nobody holds. */
	memset(&ek, 0, sizeof(ek));
	ek.int_addr = l->int_addr;
	ek.int_port = htons(l->int_port);
	ek.proto = l->proto;
	if (!bpf_map_lookup_elem(m->eim, &ek, &ev) && ev.ext_port == htons(l->ext_port))
		bpf_map_delete_elem(m->eim, &ek);
	rc = xnat_port_release(&t, slot, xnat_port_claim_word(l->int_addr, htons(l->int_port), l->owner));
	xnat_ports_close(&t);
	return rc;
}

static bool in_mask(unsigned int mask, __u8 owner)
{
	return owner < 32 && (mask & (1u << owner));
}

int xnat_lease_list(const struct xnat_map_fds *m, unsigned int owner_mask, struct xnat_lease *out,
		    size_t max)
{
	struct xnat_port_table t;
	size_t n = 0;
	int err = xnat_ports_open(m->ports, false, &t);

	if (err)
		return err;
	for (__u32 slot = 0; slot < 2 * 65536; slot++) { /* TCP, then UDP */
		union xnat_port_claim c = claim_of(&t, slot);

		if (!c.f.in_use || !in_mask(owner_mask, c.f.owner))
			continue;
		if (n < max)
			fill(&out[n], &t, slot);
		n++;
	}
	xnat_ports_close(&t);
	return (int)n;
}

unsigned int xnat_lease_count_host(const struct xnat_map_fds *m, unsigned int owner_mask, __be32 int_addr)
{
	struct xnat_port_table t;
	unsigned int n = 0;

	if (xnat_ports_open(m->ports, false, &t))
		return 0;
	for (__u32 slot = 0; slot < 2 * 65536; slot++) {
		union xnat_port_claim c = claim_of(&t, slot);

		n += c.f.in_use && in_mask(owner_mask, c.f.owner) && c.f.int_addr == int_addr;
	}
	xnat_ports_close(&t);
	return n;
}
