// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <bpf/bpf.h>
#include "forward.h"
#include "ports.h"

static int parse_port(const char *s, __u16 *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -1;
	*out = (__u16)v;
	return 0;
}

/* A LAN host: unicast, not 0/8, loopback, multicast or broadcast. */
static int parse_host(const char *s, __be32 *out)
{
	struct in_addr a;
	__u32 h;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	h = ntohl(a.s_addr);
	if ((h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) == 0xe || h == 0xffffffff)
		return -1;
	*out = a.s_addr;
	return 0;
}

int xnat_forward_parse(const char *text, struct xnat_forward *fw, char *err, size_t errlen)
{
	char proto[8], ports[32], target[48], extra[2], *dash, *colon;
	struct xnat_forward f = { .owner = XNAT_OWNER_CONFIG };

	if (sscanf(text, " %7s %31s %47s %1s", proto, ports, target, extra) != 3) {
		snprintf(err, errlen, "'%s': expected 'tcp|udp PORT[-PORT] ADDRESS[:PORT]'", text);
		return -1;
	}
	if (!strcasecmp(proto, "tcp"))
		f.proto = IPPROTO_TCP;
	else if (!strcasecmp(proto, "udp"))
		f.proto = IPPROTO_UDP;
	else {
		snprintf(err, errlen, "bad protocol '%s' (tcp or udp)", proto);
		return -1;
	}
	dash = strchr(ports, '-');
	if (dash)
		*dash = '\0';
	if (parse_port(ports, &f.ext_min) || (dash && parse_port(dash + 1, &f.ext_max))) {
		snprintf(err, errlen, "bad port '%s' (1-65535)", dash && !parse_port(ports, &f.ext_min) ? dash + 1 : ports);
		return -1;
	}
	if (!dash)
		f.ext_max = f.ext_min;
	if (f.ext_min > f.ext_max) {
		snprintf(err, errlen, "bad port range %u-%u (first above last)", f.ext_min, f.ext_max);
		return -1;
	}
	colon = strchr(target, ':');
	if (colon)
		*colon = '\0';
	if (parse_host(target, &f.int_addr)) {
		snprintf(err, errlen, "bad LAN address '%s'", target);
		return -1;
	}
	f.int_port = f.ext_min;
	if (colon && parse_port(colon + 1, &f.int_port)) {
		snprintf(err, errlen, "bad port '%s' (1-65535)", colon + 1);
		return -1;
	}
	if ((__u32)f.int_port + (f.ext_max - f.ext_min) > 65535) {
		snprintf(err, errlen, "internal ports %u-%u pass 65535", f.int_port,
			 (__u32)f.int_port + (f.ext_max - f.ext_min));
		return -1;
	}
	*fw = f;
	return 0;
}

int xnat_forward_format(const struct xnat_forward *fw, char *buf, size_t len)
{
	char addr[INET_ADDRSTRLEN], ports[16];

	inet_ntop(AF_INET, &fw->int_addr, addr, sizeof(addr));
	if (fw->ext_min == fw->ext_max)
		snprintf(ports, sizeof(ports), "%u", fw->ext_min);
	else
		snprintf(ports, sizeof(ports), "%u-%u", fw->ext_min, fw->ext_max);
	return snprintf(buf, len, "%s %s %s:%u", fw->proto == IPPROTO_TCP ? "tcp" : "udp", ports, addr,
			fw->int_port);
}

static const char *holder_name(__u8 owner)
{
	switch (owner) {
	case XNAT_OWNER_DYNAMIC: return "a dynamic mapping";
	case XNAT_OWNER_CONFIG:
	case XNAT_OWNER_STATIC: return "a forward";
	case XNAT_OWNER_UPNP: return "a UPnP lease";
	case XNAT_OWNER_NATPMP: return "a NAT-PMP lease";
	case XNAT_OWNER_PCP: return "a PCP lease";
	case XNAT_OWNER_SIP: return "SIP media";
	default: return "another mapping";
	}
}

static int is_forward(__u8 owner)
{
	return owner == XNAT_OWNER_CONFIG || owner == XNAT_OWNER_STATIC;
}

static __be16 int_port_of(const struct xnat_forward *fw, __u32 ext)
{
	return htons((__u16)(fw->int_port + (ext - fw->ext_min)));
}

static __u32 slot_of(const struct xnat_forward *fw, __u32 ext)
{
	return (__u32)xnat_port_slot(fw->proto, (__u16)ext);
}

/* Does the slot hold exactly this forward's port (any forward owner)? */
static int holds_forward(const struct xnat_port_owner *cur, const struct xnat_forward *fw, __u32 ext)
{
	return cur->in_use && is_forward(cur->owner) && cur->int_addr == fw->int_addr &&
	       cur->int_port == int_port_of(fw, ext);
}

static void eim_key(const struct xnat_forward *fw, __u32 ext, struct xnat_eim_key *k)
{
	memset(k, 0, sizeof(*k));
	k->int_addr = fw->int_addr;
	k->int_port = int_port_of(fw, ext);
	k->proto = fw->proto;
}

/* The host's EIM entry for this port goes only if it points here. */
static void eim_remove(const struct xnat_map_fds *m, const struct xnat_forward *fw, __u32 ext)
{
	struct xnat_eim_key ek;
	struct xnat_eim ev;

	eim_key(fw, ext, &ek);
	if (!bpf_map_lookup_elem(m->eim, &ek, &ev) && ev.ext_port == htons((__u16)ext))
		bpf_map_delete_elem(m->eim, &ek);
}

static const char *proto_name(__u8 proto)
{
	return proto == IPPROTO_TCP ? "tcp" : "udp";
}

/* Undo the ports this call claimed: [ext_min, upto). */
static void rollback(const struct xnat_map_fds *m, struct xnat_port_table *t,
		     const struct xnat_forward *fw, __u32 upto, const unsigned char *claimed)
{
	__u64 word;

	for (__u32 ext = fw->ext_min; ext < upto; ext++) {
		if (!claimed[ext - fw->ext_min])
			continue;
		word = xnat_port_claim_word(fw->int_addr, int_port_of(fw, ext), fw->owner);
		eim_remove(m, fw, ext);
		xnat_port_release(t, slot_of(fw, ext), word);
	}
}

static int holder_error(char *err, size_t errlen, const struct xnat_forward *fw, __u32 ext,
			const struct xnat_port_owner *cur)
{
	char addr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &cur->int_addr, addr, sizeof(addr));
	snprintf(err, errlen, "port %u/%s is held by %s of %s:%u", ext, proto_name(fw->proto),
		 holder_name(cur->owner), addr, ntohs(cur->int_port));
	return -1;
}

static int open_table(const struct xnat_map_fds *m, struct xnat_port_table *t, char *err, size_t errlen)
{
	int e = xnat_ports_open(m->ports, true, t);

	if (e)
		snprintf(err, errlen, "cannot map %s: %s", XNAT_MAP_PORTS, strerror(-e));
	return e ? -1 : 0;
}

int xnat_forward_add(const struct xnat_map_fds *m, const struct xnat_forward *fw,
		     char *err, size_t errlen)
{
	__u32 count = (__u32)fw->ext_max - fw->ext_min + 1;
	unsigned char *claimed = calloc(count, 1);
	struct xnat_port_table t;
	int rc = -1;

	if (!claimed || open_table(m, &t, err, errlen)) {
		if (!claimed)
			snprintf(err, errlen, "out of memory");
		free(claimed);
		return -1;
	}
	/* Check every port before touching anything. */
	for (__u32 ext = fw->ext_min; ext <= fw->ext_max; ext++) {
		const struct xnat_port_owner *cur = &t.slots[slot_of(fw, ext)];

		if (cur->in_use && !holds_forward(cur, fw, ext)) {
			holder_error(err, errlen, fw, ext, cur);
			goto out;
		}
	}
	for (__u32 ext = fw->ext_min; ext <= fw->ext_max; ext++) {
		__u64 word = xnat_port_claim_word(fw->int_addr, int_port_of(fw, ext), fw->owner);
		struct xnat_eim ev = { .ext_port = htons((__u16)ext), .created = xnat_now() };
		struct xnat_port_owner cur;
		struct xnat_eim_key ek;

		if (xnat_port_claim(&t, slot_of(fw, ext), word, xnat_now(), &cur)) {
			if (holds_forward(&cur, fw, ext))
				continue; /* already there */
			holder_error(err, errlen, fw, ext, &cur); /* taken meanwhile */
			rollback(m, &t, fw, ext, claimed);
			goto out;
		}
		claimed[ext - fw->ext_min] = 1;
		/* The host's outbound traffic from this port leaves from the same
		 * port; an existing mapping of the endpoint is kept. */
		eim_key(fw, ext, &ek);
		if (bpf_map_update_elem(m->eim, &ek, &ev, BPF_NOEXIST) && errno == E2BIG) {
			snprintf(err, errlen, "port %u/%s: the mapping table is full", ext, proto_name(fw->proto));
			rollback(m, &t, fw, ext + 1, claimed);
			goto out;
		}
	}
	rc = 0;
out:
	xnat_ports_close(&t);
	free(claimed);
	return rc;
}

int xnat_forward_del(const struct xnat_map_fds *m, const struct xnat_forward *fw,
		     char *err, size_t errlen)
{
	struct xnat_port_table t;
	int removed = 0;

	if (open_table(m, &t, err, errlen))
		return -1;
	for (__u32 ext = fw->ext_min; ext <= fw->ext_max; ext++) {
		struct xnat_port_owner cur = t.slots[slot_of(fw, ext)];

		if (!holds_forward(&cur, fw, ext))
			continue;
		eim_remove(m, fw, ext);
		removed += !xnat_port_release(&t, slot_of(fw, ext),
					      xnat_port_claim_word(cur.int_addr, cur.int_port, cur.owner));
	}
	xnat_ports_close(&t);
	if (!removed) {
		char text[96];

		xnat_forward_format(fw, text, sizeof(text));
		snprintf(err, errlen, "no forward %s found", text);
		return -1;
	}
	return removed;
}

int xnat_forward_list(const struct xnat_map_fds *m, struct xnat_forward *out, size_t max)
{
	struct xnat_port_table t;
	size_t merged = 0;
	int err = xnat_ports_open(m->ports, false, &t);

	if (err)
		return err;
	/* Slots are in (protocol, port) order already: coalesce as we go. */
	for (__u32 slot = 0; slot < XNAT_PORT_SLOTS; slot++) {
		const struct xnat_port_owner *o = &t.slots[slot];
		struct xnat_forward f = {
			.proto = xnat_slot_proto(slot), .owner = o->owner,
			.ext_min = xnat_slot_port(slot), .ext_max = xnat_slot_port(slot),
			.int_port = ntohs(o->int_port), .int_addr = o->int_addr,
		};
		struct xnat_forward *last = merged && merged <= max ? &out[merged - 1] : NULL;

		if (!o->in_use || !is_forward(o->owner))
			continue;
		if (last && last->proto == f.proto && last->owner == f.owner &&
		    last->int_addr == f.int_addr && f.ext_min == last->ext_max + 1 &&
		    f.int_port == last->int_port + (last->ext_max - last->ext_min) + 1) {
			last->ext_max = f.ext_min;
			continue;
		}
		if (merged < max)
			out[merged] = f;
		merged++;
	}
	xnat_ports_close(&t);
	return (int)merged;
}
