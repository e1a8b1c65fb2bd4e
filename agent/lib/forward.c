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
#include "mapwalk.h"

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

static void port_entry(const struct xnat_forward *fw, __u32 ext, struct xnat_port_key *k,
		       struct xnat_port_owner *v)
{
	memset(k, 0, sizeof(*k));
	memset(v, 0, sizeof(*v));
	k->ext_port = htons((__u16)ext);
	k->proto = fw->proto;
	v->int_addr = fw->int_addr;
	v->int_port = htons((__u16)(fw->int_port + (ext - fw->ext_min)));
	v->owner = fw->owner;
}

static int is_forward(__u8 owner)
{
	return owner == XNAT_OWNER_CONFIG || owner == XNAT_OWNER_STATIC;
}

static int same_forward(const struct xnat_port_owner *a, const struct xnat_port_owner *b)
{
	return a->int_addr == b->int_addr && a->int_port == b->int_port && is_forward(a->owner) &&
	       is_forward(b->owner);
}

static void eim_key(const struct xnat_forward *fw, const struct xnat_port_owner *v,
		    struct xnat_eim_key *k)
{
	memset(k, 0, sizeof(*k));
	k->int_addr = v->int_addr;
	k->int_port = v->int_port;
	k->proto = fw->proto;
}

/* Undo the ports this call inserted: [ext_min, upto). */
static void rollback(const struct xnat_map_fds *m, const struct xnat_forward *fw, __u32 upto,
		     const unsigned char *inserted)
{
	for (__u32 ext = fw->ext_min; ext < upto; ext++) {
		struct xnat_port_key k;
		struct xnat_port_owner v;
		struct xnat_eim_key ek;
		struct xnat_eim ev;

		if (!inserted[ext - fw->ext_min])
			continue;
		port_entry(fw, ext, &k, &v);
		eim_key(fw, &v, &ek);
		if (!bpf_map_lookup_elem(m->eim, &ek, &ev) && ev.ext_port == k.ext_port)
			bpf_map_delete_elem(m->eim, &ek);
		bpf_map_delete_elem(m->ports, &k);
	}
}

int xnat_forward_add(const struct xnat_map_fds *m, const struct xnat_forward *fw,
		     char *err, size_t errlen)
{
	__u32 count = (__u32)fw->ext_max - fw->ext_min + 1;
	unsigned char *inserted = calloc(count, 1);
	char addr[INET_ADDRSTRLEN];

	if (!inserted) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Check every port before touching anything. */
	for (__u32 ext = fw->ext_min; ext <= fw->ext_max; ext++) {
		struct xnat_port_key k;
		struct xnat_port_owner v, cur;

		port_entry(fw, ext, &k, &v);
		if (bpf_map_lookup_elem(m->ports, &k, &cur) || same_forward(&cur, &v))
			continue;
		inet_ntop(AF_INET, &cur.int_addr, addr, sizeof(addr));
		snprintf(err, errlen, "port %u/%s is held by %s of %s:%u", ext,
			 fw->proto == IPPROTO_TCP ? "tcp" : "udp", holder_name(cur.owner), addr,
			 ntohs(cur.int_port));
		free(inserted);
		return -1;
	}
	for (__u32 ext = fw->ext_min; ext <= fw->ext_max; ext++) {
		struct xnat_port_key k;
		struct xnat_port_owner v;
		struct xnat_eim_key ek;
		struct xnat_eim ev = { .created = xnat_now() };

		port_entry(fw, ext, &k, &v);
		if (bpf_map_update_elem(m->ports, &k, &v, BPF_NOEXIST)) {
			struct xnat_port_owner cur;

			if (errno == EEXIST && !bpf_map_lookup_elem(m->ports, &k, &cur) &&
			    same_forward(&cur, &v))
				continue; /* already there */
			snprintf(err, errlen, "port %u/%s: %s", ext, fw->proto == IPPROTO_TCP ? "tcp" : "udp",
				 errno == E2BIG ? "the mapping table is full" : strerror(errno));
			rollback(m, fw, ext, inserted);
			free(inserted);
			return -1;
		}
		inserted[ext - fw->ext_min] = 1;
		/* The host's outbound traffic from this port leaves from the same
		 * port; an existing mapping of the endpoint is kept. */
		eim_key(fw, &v, &ek);
		ev.ext_port = k.ext_port;
		bpf_map_update_elem(m->eim, &ek, &ev, BPF_NOEXIST);
	}
	free(inserted);
	return 0;
}

int xnat_forward_del(const struct xnat_map_fds *m, const struct xnat_forward *fw,
		     char *err, size_t errlen)
{
	int removed = 0;

	for (__u32 ext = fw->ext_min; ext <= fw->ext_max; ext++) {
		struct xnat_port_key k;
		struct xnat_port_owner v, cur;
		struct xnat_eim_key ek;
		struct xnat_eim ev;

		port_entry(fw, ext, &k, &v);
		if (bpf_map_lookup_elem(m->ports, &k, &cur) || !same_forward(&cur, &v))
			continue;
		eim_key(fw, &v, &ek);
		if (!bpf_map_lookup_elem(m->eim, &ek, &ev) && ev.ext_port == k.ext_port)
			bpf_map_delete_elem(m->eim, &ek);
		removed += !bpf_map_delete_elem(m->ports, &k);
	}
	if (!removed) {
		char text[96];

		xnat_forward_format(fw, text, sizeof(text));
		snprintf(err, errlen, "no forward %s found", text);
		return -1;
	}
	return removed;
}

static int cmp_forward(const void *a, const void *b)
{
	const struct xnat_forward *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	return (int)x->ext_min - (int)y->ext_min;
}

int xnat_forward_list(const struct xnat_map_fds *m, struct xnat_forward *out, size_t max)
{
	struct xnat_snapshot snap;
	struct xnat_forward *all;
	size_t n = 0, merged = 0;
	int err;

	err = xnat_snapshot_take(m->ports, sizeof(struct xnat_port_key), sizeof(struct xnat_port_owner),
				 &snap);
	if (err)
		return err;
	all = calloc(snap.n + 1, sizeof(*all));
	if (!all) {
		xnat_snapshot_free(&snap);
		return -ENOMEM;
	}
	for (size_t i = 0; i < snap.n; i++) {
		const struct xnat_port_key *k = xnat_snapshot_key(&snap, i);
		const struct xnat_port_owner *v = xnat_snapshot_val(&snap, i);

		if (!is_forward(v->owner))
			continue;
		all[n].proto = k->proto;
		all[n].owner = v->owner;
		all[n].ext_min = all[n].ext_max = ntohs(k->ext_port);
		all[n].int_port = ntohs(v->int_port);
		all[n].int_addr = v->int_addr;
		n++;
	}
	xnat_snapshot_free(&snap);
	qsort(all, n, sizeof(*all), cmp_forward);
	for (size_t i = 0; i < n; i++) {
		struct xnat_forward *last = merged ? &all[merged - 1] : NULL;

		if (last && last->proto == all[i].proto && last->owner == all[i].owner &&
		    last->int_addr == all[i].int_addr && all[i].ext_min == last->ext_max + 1 &&
		    all[i].int_port == last->int_port + (last->ext_max - last->ext_min) + 1) {
			last->ext_max = all[i].ext_min;
			continue;
		}
		if (all[i].ext_min == (last ? last->ext_min : 0) && last && last->proto == all[i].proto)
			continue; /* a duplicate from a racing walk */
		all[merged++] = all[i];
	}
	for (size_t i = 0; i < merged && i < max; i++)
		out[i] = all[i];
	free(all);
	return (int)merged;
}
