// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Static forwards in the fast path's tables: one claimed xnat_ports slot per
 * external port, plus an xnat_eim entry so the host's own outbound traffic
 * from the forwarded port leaves from the same external port.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <bpf/bpf.h>
#include "forward.h"
#include "shown.h"
#include "ports.h"

#define RULE_MAX_LEN 128

static const char *proto_name(__u8 proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

static int parse_port(const char *s, __u16 *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -1;
	*out = (__u16)v;
	return 0;
}

/* Why a LAN host address is unusable, or NULL: unicast only. */
static const char *host_problem(__u32 h)
{
	if ((h >> 24) == 0)
		return "is not a host address";
	if ((h >> 24) == 127)
		return "is a loopback address";
	if ((h >> 28) == 0xe)
		return "is a multicast address";
	if (h == 0xffffffff)
		return "is the broadcast address";
	return NULL;
}

static int parse_host(const char *s, __be32 *out, char *err, size_t errlen)
{
	struct xnat_shown q;
	struct in_addr a;
	const char *why;

	if (inet_pton(AF_INET, s, &a) != 1) {
		snprintf(err, errlen, "bad LAN address '%s' (an IPv4 address like 192.168.1.10)", xnat_shown(s, &q));
		return -1;
	}
	why = host_problem(ntohl(a.s_addr));
	if (why) {
		snprintf(err, errlen, "bad LAN address '%s': %s", xnat_shown(s, &q), why);
		return -1;
	}
	*out = a.s_addr;
	return 0;
}

/* "EXT" or "EXT-EXT_END" into fw->ext_min/ext_max. s is modified. */
static int parse_ext_ports(char *s, struct xnat_forward *fw, char *err, size_t errlen)
{
	char *dash = strchr(s, '-'), *bad = s;
	struct xnat_shown q;

	if (dash)
		*dash = '\0';
	if (!parse_port(s, &fw->ext_min)) {
		bad = dash ? dash + 1 : NULL;
		if (!dash)
			fw->ext_max = fw->ext_min;
		else if (!parse_port(dash + 1, &fw->ext_max))
			bad = NULL;
	}
	if (bad) {
		snprintf(err, errlen, "bad port '%s' (1-65535)", xnat_shown(bad, &q));
		return -1;
	}
	if (fw->ext_min > fw->ext_max) {
		snprintf(err, errlen, "bad port range %u-%u (first above last)", fw->ext_min, fw->ext_max);
		return -1;
	}
	return 0;
}

/* "ADDR" or "ADDR:PORT"; the internal port defaults to the first external one. */
static int parse_target(char *s, struct xnat_forward *fw, char *err, size_t errlen)
{
	char *colon = strchr(s, ':');
	struct xnat_shown q;
	__u32 last;

	if (colon)
		*colon = '\0';
	if (parse_host(s, &fw->int_addr, err, errlen))
		return -1;
	fw->int_port = fw->ext_min;
	if (colon && parse_port(colon + 1, &fw->int_port)) {
		snprintf(err, errlen, "bad port '%s' (1-65535)", xnat_shown(colon + 1, &q));
		return -1;
	}
	last = (__u32)fw->int_port + (fw->ext_max - fw->ext_min);
	if (last > 65535) {
		snprintf(err, errlen, "internal ports %u-%u pass 65535", fw->int_port, last);
		return -1;
	}
	return 0;
}

int xnat_forward_parse(const char *text, struct xnat_forward *fw, char *err, size_t errlen)
{
	struct xnat_forward f = { .owner = XNAT_OWNER_CONFIG };
	char buf[RULE_MAX_LEN], *word[4], *save = NULL;
	struct xnat_shown q;
	int n = 0;

	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "forward longer than %zu characters", sizeof(buf) - 1);
		return -1;
	}
	strcpy(buf, text);
	for (char *w = strtok_r(buf, " \t", &save); w && n < 4; w = strtok_r(NULL, " \t", &save))
		word[n++] = w;
	if (n != 3) {
		snprintf(err, errlen, "'%s': expected 'tcp|udp PORT[-PORT] ADDRESS[:PORT]'", xnat_shown(text, &q));
		return -1;
	}
	if (!strcasecmp(word[0], "tcp")) {
		f.proto = IPPROTO_TCP;
	} else if (!strcasecmp(word[0], "udp")) {
		f.proto = IPPROTO_UDP;
	} else {
		snprintf(err, errlen, "bad protocol '%s' (tcp or udp)", xnat_shown(word[0], &q));
		return -1;
	}
	if (parse_ext_ports(word[1], &f, err, errlen) || parse_target(word[2], &f, err, errlen))
		return -1;
	*fw = f;
	return 0;
}

/* The rule as text; ":PORT" is left out when it is the default and !full. */
static int describe(const struct xnat_forward *fw, bool full, char *buf, size_t len)
{
	char addr[INET_ADDRSTRLEN], ports[16], port[8] = "";

	inet_ntop(AF_INET, &fw->int_addr, addr, sizeof(addr));
	if (fw->ext_min == fw->ext_max)
		snprintf(ports, sizeof(ports), "%u", fw->ext_min);
	else
		snprintf(ports, sizeof(ports), "%u-%u", fw->ext_min, fw->ext_max);
	if (full || fw->int_port != fw->ext_min)
		snprintf(port, sizeof(port), ":%u", fw->int_port);
	return snprintf(buf, len, "%s %s %s%s", proto_name(fw->proto), ports, addr, port);
}

int xnat_forward_format(const struct xnat_forward *fw, char *buf, size_t len)
{
	return describe(fw, true, buf, len);
}

static bool is_forward(__u8 owner)
{
	return owner == XNAT_OWNER_CONFIG || owner == XNAT_OWNER_STATIC;
}

/* A forward that would leave the slot array or wrap the loops below, or an
 * add with a non-forward owner, is refused. */
static int check_forward(const struct xnat_forward *fw, bool adding, char *err, size_t errlen)
{
	if ((fw->proto != IPPROTO_TCP && fw->proto != IPPROTO_UDP) || !fw->ext_min ||
	    fw->ext_min > fw->ext_max || !fw->int_port ||
	    (__u32)fw->int_port + (fw->ext_max - fw->ext_min) > 65535 ||
	    (adding && !is_forward(fw->owner))) {
		snprintf(err, errlen, "invalid forward (protocol, ports or owner)");
		return -1;
	}
	return 0;
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
	case XNAT_OWNER_LOCAL: return "the gateway's own traffic";
	default: return "another mapping";
	}
}

static int held_by(const struct xnat_forward *fw, __u32 ext, union xnat_port_claim holder,
		   char *err, size_t errlen)
{
	char addr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &holder.f.int_addr, addr, sizeof(addr));
	snprintf(err, errlen, "port %u/%s is held by %s of %s:%u", ext, proto_name(fw->proto),
		 holder_name(holder.f.owner), addr, ntohs(holder.f.int_port));
	return -1;
}

static __be16 int_port_of(const struct xnat_forward *fw, __u32 ext)
{
	return htons((__u16)(fw->int_port + (ext - fw->ext_min)));
}

/* Valid once check_forward passed: TCP or UDP, port 1-65535. */
static __u32 slot_of(const struct xnat_forward *fw, __u32 ext)
{
	return (__u32)xnat_port_slot(fw->proto, (__u16)ext);
}

/* The slot's claim word, read in one piece (the fast path claims concurrently). */
static union xnat_port_claim slot_claim(const struct xnat_port_table *t, __u32 slot)
{
	union xnat_port_claim c = { .word = xnat_port_word(t, slot) };

	return c;
}

/* Does the claim hold exactly this forward's port (any forward owner)? */
static bool holds_forward(union xnat_port_claim c, const struct xnat_forward *fw, __u32 ext)
{
	return c.f.in_use && is_forward(c.f.owner) && c.f.int_addr == fw->int_addr &&
	       c.f.int_port == int_port_of(fw, ext);
}

static void eim_key(const struct xnat_forward *fw, __u32 ext, struct xnat_eim_key *k)
{
	memset(k, 0, sizeof(*k)); /* keys hash bytewise: padding must be zero */
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

/* What xnat_forward_add did, per port, for the rollback. */
#define ADDED_PORT 1
#define ADDED_EIM 2

static void rollback(const struct xnat_map_fds *m, struct xnat_port_table *t,
		     const struct xnat_forward *fw, const unsigned char *added)
{
	for (__u32 ext = fw->ext_min; ext <= fw->ext_max; ext++) {
		unsigned char a = added[ext - fw->ext_min];

		if (a & ADDED_EIM)
			eim_remove(m, fw, ext);
		if (a & ADDED_PORT)
			xnat_port_release(t, slot_of(fw, ext),
					  xnat_port_claim_word(fw->int_addr, int_port_of(fw, ext), fw->owner));
	}
}

static int open_table(const struct xnat_map_fds *m, bool writable, struct xnat_port_table *t,
		      char *err, size_t errlen)
{
	int e = xnat_ports_open(m->ports, writable, t);

	if (e)
		snprintf(err, errlen, "cannot map %s: %s", XNAT_MAP_PORTS, strerror(-e));
	return e ? -1 : 0;
}

/* Every port free or already this forward? */
static int check_ports_free(const struct xnat_port_table *t, const struct xnat_forward *fw,
			    char *err, size_t errlen)
{
	for (__u32 ext = fw->ext_min; ext <= fw->ext_max; ext++) {
		union xnat_port_claim c = slot_claim(t, slot_of(fw, ext));

		if (c.f.in_use && !holds_forward(c, fw, ext))
			return held_by(fw, ext, c, err, errlen);
	}
	return 0;
}

/* Claim port ext (unless this forward holds it already) and add its EIM
 * entry; what was done goes to *added. */
static int add_port(const struct xnat_map_fds *m, struct xnat_port_table *t,
		    const struct xnat_forward *fw, __u32 ext, unsigned char *added,
		    char *err, size_t errlen)
{
	__u64 word = xnat_port_claim_word(fw->int_addr, int_port_of(fw, ext), fw->owner);
	struct xnat_port_owner cur;
	struct xnat_eim_key ek;
	struct xnat_eim ev;

	if (!xnat_port_claim(t, slot_of(fw, ext), word, xnat_now(), &cur)) {
		*added |= ADDED_PORT;
	} else {
		union xnat_port_claim c = { .f = { .int_addr = cur.int_addr, .int_port = cur.int_port,
						   .owner = cur.owner, .in_use = cur.in_use } };

		if (!holds_forward(c, fw, ext))
			return held_by(fw, ext, c, err, errlen); /* taken since the check */
	}
	/* The host's outbound traffic from this port leaves from the same
	 * port; an existing mapping of the endpoint is kept. */
	eim_key(fw, ext, &ek);
	memset(&ev, 0, sizeof(ev));
	ev.ext_port = htons((__u16)ext);
	ev.created = xnat_now();
	if (!bpf_map_update_elem(m->eim, &ek, &ev, BPF_NOEXIST)) {
		*added |= ADDED_EIM;
	} else if (errno != EEXIST) {
		snprintf(err, errlen, "port %u/%s: %s", ext, proto_name(fw->proto),
			 errno == E2BIG ? "the mapping table is full" : strerror(errno));
		return -1;
	}
	return 0;
}

int xnat_forward_add(const struct xnat_map_fds *m, const struct xnat_forward *fw,
		     char *err, size_t errlen)
{
	struct xnat_port_table t;
	unsigned char *added;
	int rc = -1;

	if (check_forward(fw, true, err, errlen) || open_table(m, true, &t, err, errlen))
		return -1;
	added = calloc((size_t)fw->ext_max - fw->ext_min + 1, 1);
	if (!added) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (check_ports_free(&t, fw, err, errlen))
		goto out;
	for (__u32 ext = fw->ext_min; ext <= fw->ext_max; ext++) {
		if (add_port(m, &t, fw, ext, &added[ext - fw->ext_min], err, errlen)) {
			rollback(m, &t, fw, added);
			goto out;
		}
	}
	rc = 0;
out:
	free(added);
	xnat_ports_close(&t);
	return rc;
}

int xnat_forward_del(const struct xnat_map_fds *m, const struct xnat_forward *fw,
		     char *err, size_t errlen)
{
	struct xnat_port_table t;
	char text[96];
	int removed = 0;

	if (check_forward(fw, false, err, errlen) || open_table(m, true, &t, err, errlen))
		return -1;
	for (__u32 ext = fw->ext_min; ext <= fw->ext_max; ext++) {
		union xnat_port_claim c = slot_claim(&t, slot_of(fw, ext));

		if (!holds_forward(c, fw, ext))
			continue;
		/* The EIM entry first: it must never point at a port nobody holds. */
		eim_remove(m, fw, ext);
		removed += !xnat_port_release(&t, slot_of(fw, ext), c.word);
	}
	xnat_ports_close(&t);
	if (!removed) {
		describe(fw, false, text, sizeof(text));
		snprintf(err, errlen, "no forward %s found", text);
		return -1;
	}
	return removed;
}

/* Does next continue range r (the following port, to the following internal port)? */
static bool continues(const struct xnat_forward *r, const struct xnat_forward *next)
{
	return r->proto == next->proto && r->owner == next->owner && r->int_addr == next->int_addr &&
	       next->ext_min == r->ext_max + 1 &&
	       next->int_port == r->int_port + (r->ext_max - r->ext_min) + 1;
}

int xnat_forward_list(const struct xnat_map_fds *m, struct xnat_forward *out, size_t max)
{
	struct xnat_port_table t;
	struct xnat_forward run = { 0 };
	size_t n = 0;
	int err = xnat_ports_open(m->ports, false, &t);

	if (err)
		return err;
	/* Slots are in (protocol, port) order already: coalesce as we go. */
	for (__u32 slot = 0; slot < XNAT_PORT_SLOTS; slot++) {
		union xnat_port_claim c = slot_claim(&t, slot);
		struct xnat_forward f = {
			.proto = xnat_slot_proto(slot), .owner = c.f.owner,
			.ext_min = xnat_slot_port(slot), .ext_max = xnat_slot_port(slot),
			.int_port = ntohs(c.f.int_port), .int_addr = c.f.int_addr,
		};

		if (!c.f.in_use || !is_forward(c.f.owner))
			continue;
		if (n && continues(&run, &f)) {
			run.ext_max = f.ext_min;
		} else {
			if (n && n <= max)
				out[n - 1] = run;
			run = f;
			n++;
		}
	}
	if (n && n <= max)
		out[n - 1] = run;
	xnat_ports_close(&t);
	return (int)n;
}
