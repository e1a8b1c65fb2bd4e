// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The malformed-packet corpus (hardening issue). Base packets, each valid and
 * translated in a known way, are damaged in every way below and run through
 * each program they can meet. Every run must end one of three ways:
 *   - passed untouched, or dropped untouched, counted by exactly one verdict
 *     counter (a pass_* or a drop_*) and no new_session/new_mapping event,
 *     the maps exactly as before;
 *   - translated, and then exactly as the undamaged packet's flow would be
 *     (the same damage applied to the expected translation), only for damage
 *     that does not matter; the maps then hold what the undamaged packet
 *     creates, nothing else (xnat_frags: the record of a first fragment).
 * Never a frame changed in any other way, never another map entry. One TAP
 * line per (base packet, program, damage class) with the count of variants.
 *
 * The state is put back as it was before each variant (sequence, for
 * fragments): every variant starts from the same maps.
 *
 * Checksums: the fast path verifies none (IP header, TCP, UDP, ICMP, quoted
 * ones); it updates them incrementally (RFC 1624), so a checksum that was
 * wrong on arrival leaves wrong by exactly the same amount and the receiver
 * drops the packet. The checksum classes assert exactly that.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "maps.h"
#include "ports.h"
#include "harness.h"
#include "progload.h"

#define IP_OFF PKT_IP_OFF
#define L4_OFF PKT_L4_OFF
#define Q_IP_OFF (L4_OFF + 8)      /* the quoted IP header of an ICMP error */
#define Q_L4_OFF (Q_IP_OFF + 20)   /* its L4 header (no quoted options) */

/* ------------------------------------------------------------ programs */

enum prog_id { P_XDP_LAN, P_TC_EGRESS, P_XDP_WAN, P_TC_INGRESS };

struct prog {
	enum prog_id id;
	const char *name;
	bool xdp;
	enum xnat_dir dir;
	int v_xlate, v_pass, v_drop;
};

static const struct prog progs[] = {
	{ P_XDP_LAN, "xdp_lan", true, XNAT_DIR_OUT, V_XDP_REDIRECT, V_XDP_PASS, V_XDP_DROP },
	{ P_TC_EGRESS, "tc_egress", false, XNAT_DIR_OUT, V_TC_OK, V_TC_OK, V_TC_SHOT },
	{ P_XDP_WAN, "xdp_wan", true, XNAT_DIR_IN, V_XDP_REDIRECT, V_XDP_PASS, V_XDP_DROP },
	{ P_TC_INGRESS, "tc_ingress", false, XNAT_DIR_IN, V_TC_OK, V_TC_OK, V_TC_SHOT },
};

/* As run_prog(), without a note per refused run: BPF_PROG_TEST_RUN refuses
 * some short frames, which the corpus counts instead. Returns the verdict or -errno. */
static int qrun(const struct prog *pr, const struct pkt *in, struct pkt *out)
{
	struct bpf_program *prog = pr->id == P_XDP_LAN ? env.skel->progs.xnat_xdp_lan :
				   pr->id == P_XDP_WAN ? env.skel->progs.xnat_xdp_wan :
				   pr->id == P_TC_EGRESS ? env.skel->progs.xnat_tc_egress :
							   env.skel->progs.xnat_tc_ingress;
	struct xdp_md ctx = { .data_end = (__u32)in->len,
			      .ingress_ifindex = (__u32)(pr->id == P_XDP_LAN ? env.lan_ifindex : env.wan_ifindex) };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->buf, .data_size_in = (__u32)in->len,
		    .data_out = out->buf, .data_size_out = sizeof(out->buf), .repeat = 1);
	int err;

	if (pr->xdp) {
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	memset(out->buf, 0, sizeof(out->buf));
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err)
		return err < 0 ? err : -1;
	out->len = opts.data_size_out;
	return (int)opts.retval;
}

/* ------------------------------------------------------------ map state */

#define SNAP_MAX 64
#define KV_MAX 128

enum { M_FLOWS, M_EIM, M_FRAGS, M_HOSTS, M_FREED, M_ADF, M_SIP, M_SEQADJ, M_FILTERS, M_N };
static const char *const map_names[M_N] = { "xnat_flows", "xnat_eim", "xnat_frags", "xnat_host_alloc",
					    "xnat_host_freed", "xnat_adf", "xnat_sip_dialogs",
					    "xnat_sip_seqadj", "xnat_port_filters" };

struct dump {
	unsigned int n;
	bool overflow;
	uint8_t e[SNAP_MAX][KV_MAX]; /* key then value, sorted by key */
};

struct port_ent {
	uint32_t slot;
	struct xnat_port_owner o;
};

struct snap {
	struct dump m[M_N];
	unsigned int n_ports;
	bool ports_overflow;
	struct port_ent ports[SNAP_MAX];
};

static struct xnat_port_table ports_view; /* xnat_ports through its mmap, writable */

static struct bpf_map *map_of(int m)
{
	struct xnat_bpf *s = env.skel;
	struct bpf_map *maps[M_N] = { s->maps.xnat_flows, s->maps.xnat_eim, s->maps.xnat_frags,
				      s->maps.xnat_host_alloc, s->maps.xnat_host_freed, s->maps.xnat_adf,
				      s->maps.xnat_sip_dialogs, s->maps.xnat_sip_seqadj,
				      s->maps.xnat_port_filters };

	return maps[m];
}

/* Bytes of a value that change with time alone: never compared. A flow's
 * cached next hop (last_seen's neighbour) records the route of the packet
 * that filled it, whose length differs with the damage: test_hop_cache.c
 * checks it. */
static void time_field(int m, size_t *off, size_t *len)
{
	*off = *len = 0;
	if (m == M_FLOWS)
		*off = offsetof(struct xnat_flow, last_seen),
		*len = sizeof(struct xnat_flow) - offsetof(struct xnat_flow, last_seen);
	else if (m == M_EIM)
		*off = offsetof(struct xnat_eim, created), *len = 4;
	else if (m == M_ADF || m == M_SIP) /* last use, last_seen */
		*off = 0, *len = 4;
	else if (m == M_SEQADJ)
		*off = offsetof(struct xnat_seqadj, last_seen), *len = 4;
}

static size_t ksz(int m) { return bpf_map__key_size(map_of(m)); }
static size_t vsz(int m) { return bpf_map__value_size(map_of(m)); }

static int kcmp_m; /* qsort has no context argument */
static int kcmp(const void *a, const void *b) { return memcmp(a, b, ksz(kcmp_m)); }

static void dump_map(int m, struct dump *d)
{
	int fd = bpf_map__fd(map_of(m));
	size_t ks = ksz(m), vs = vsz(m);
	uint8_t key[64], next[64];
	void *prev = NULL;

	d->n = 0;
	d->overflow = ks + vs > KV_MAX;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		if (d->overflow || d->n == SNAP_MAX) {
			d->overflow = true;
			d->n++;
			continue;
		}
		memset(d->e[d->n], 0, KV_MAX);
		memcpy(d->e[d->n], key, ks);
		if (bpf_map_lookup_elem(fd, key, d->e[d->n] + ks))
			continue; /* deleted meanwhile */
		d->n++;
	}
	if (!d->overflow) {
		kcmp_m = m;
		qsort(d->e, d->n, KV_MAX, kcmp);
	}
}

static void snap_take(struct snap *s)
{
	for (int m = 0; m < M_N; m++)
		dump_map(m, &s->m[m]);
	s->n_ports = 0;
	s->ports_overflow = false;
	for (uint32_t slot = 0; slot < XNAT_PORT_SLOTS; slot++) {
		const struct xnat_port_owner *o = &ports_view.slots[slot];

		if (!xnat_port_word(&ports_view, slot))
			continue;
		if (s->n_ports == SNAP_MAX) {
			s->ports_overflow = true;
			continue;
		}
		s->ports[s->n_ports].slot = slot;
		s->ports[s->n_ports++].o = *o;
	}
}

static bool entry_eq(int m, const uint8_t *a, const uint8_t *b)
{
	size_t ks = ksz(m), vs = vsz(m), off, len;

	time_field(m, &off, &len);
	return !memcmp(a, b, ks + off) && !memcmp(a + ks + off + len, b + ks + off + len, vs - off - len);
}

static bool port_eq(const struct port_ent *a, const struct port_ent *b)
{
	return a->slot == b->slot && !memcmp(&a->o, &b->o, sizeof(union xnat_port_claim)) &&
	       a->o.expires == b->o.expires;
}

static bool dump_eq(int m, const struct dump *a, const struct dump *b)
{
	if (a->overflow || b->overflow || a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n; i++)
		if (!entry_eq(m, a->e[i], b->e[i]))
			return false;
	return true;
}

static bool ports_eq(const struct snap *a, const struct snap *b)
{
	if (a->ports_overflow || b->ports_overflow || a->n_ports != b->n_ports)
		return false;
	for (unsigned int i = 0; i < a->n_ports; i++)
		if (!port_eq(&a->ports[i], &b->ports[i]))
			return false;
	return true;
}

/* Equal maps; the fragment records compared or not. */
static bool snap_eq(const struct snap *a, const struct snap *b, bool frags)
{
	for (int m = 0; m < M_N; m++)
		if ((frags || m != M_FRAGS) && !dump_eq(m, &a->m[m], &b->m[m]))
			return false;
	return ports_eq(a, b);
}

/* What differs from `ref`, in words, for a failure message. */
static void snap_diff(const struct snap *a, const struct snap *ref, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (int m = 0; m < M_N && n < len; m++)
		if (!dump_eq(m, &a->m[m], &ref->m[m]))
			n += (size_t)snprintf(buf + n, len - n, a->m[m].n == ref->m[m].n ?
					      "%s%s %u entries (was %u, some values changed)" : "%s%s %u entries (was %u)",
					      n ? ", " : "", map_names[m], a->m[m].n, ref->m[m].n);
	if (n < len && !ports_eq(a, ref))
		n += (size_t)snprintf(buf + n, len - n, "%sxnat_ports %u slots in use (was %u)", n ? ", " : "",
				      a->n_ports, ref->n_ports);
	if (a->m[M_FLOWS].n > ref->m[M_FLOWS].n && n < len) {
		/* name the first new flow */
		for (unsigned int i = 0; i < a->m[M_FLOWS].n; i++) {
			const struct xnat_flow_key *k = (const void *)a->m[M_FLOWS].e[i];
			bool known = false;

			for (unsigned int j = 0; j < ref->m[M_FLOWS].n && !known; j++)
				known = !memcmp(a->m[M_FLOWS].e[i], ref->m[M_FLOWS].e[j], sizeof(*k));
			if (!known) {
				char s[16], d[16];

				inet_ntop(AF_INET, &k->saddr, s, sizeof(s));
				inet_ntop(AF_INET, &k->daddr, d, sizeof(d));
				snprintf(buf + n, len - n, "; new flow %s %s:%u -> %s:%u proto %u", k->dir ? "IN" : "OUT",
					 s, ntohs(k->sport), d, ntohs(k->dport), k->proto);
				break;
			}
		}
	}
}

static const uint8_t *dump_find(int m, const struct dump *d, const uint8_t *key)
{
	for (unsigned int i = 0; i < d->n && i < SNAP_MAX; i++)
		if (!memcmp(d->e[i], key, ksz(m)))
			return d->e[i];
	return NULL;
}

/* Put the maps back as `to` holds them (cur: as they are). */
static void snap_restore(const struct snap *cur, const struct snap *to)
{
	for (int m = 0; m < M_N; m++) {
		int fd = bpf_map__fd(map_of(m));
		size_t ks = ksz(m);

		if (dump_eq(m, &cur->m[m], &to->m[m]))
			continue;
		if (cur->m[m].overflow || to->m[m].overflow) {
			map_empty(map_of(m));
		} else {
			for (unsigned int i = 0; i < cur->m[m].n; i++)
				if (!dump_find(m, &to->m[m], cur->m[m].e[i]))
					bpf_map_delete_elem(fd, cur->m[m].e[i]);
		}
		for (unsigned int i = 0; i < to->m[m].n && i < SNAP_MAX; i++)
			bpf_map_update_elem(fd, to->m[m].e[i], to->m[m].e[i] + ks, BPF_ANY);
	}
	if (!ports_eq(cur, to)) {
		for (unsigned int i = 0; i < cur->n_ports; i++)
			memset(&ports_view.slots[cur->ports[i].slot], 0, sizeof(struct xnat_port_owner));
		if (cur->ports_overflow)
			memset(ports_view.slots, 0, XNAT_PORT_SLOTS * sizeof(*ports_view.slots));
		for (unsigned int i = 0; i < to->n_ports; i++)
			ports_view.slots[to->ports[i].slot] = to->ports[i].o;
	}
}

/* ------------------------------------------------------------ counters */

static struct xnat_counter st_prev[XNAT_STAT_MAX];

static void stats_now(struct xnat_counter *c)
{
	if (xnat_stats_read(bpf_map__fd(env.skel->maps.xnat_stats), c))
		memset(c, 0, sizeof(*c) * XNAT_STAT_MAX);
}

static bool is_event(unsigned int s)
{
	return s >= XNAT_STAT_NEW_SESSION && s <= XNAT_STAT_SIP_UNCHANGED_TCP_SPLIT;
}

static bool is_xlate(unsigned int s) { return s <= XNAT_STAT_XLATE_FRAG; }
static bool is_pass(unsigned int s) { return s >= XNAT_STAT_PASS_NOT_IPV4 && s <= XNAT_STAT_PASS_SIP_SLOW; }

/* ------------------------------------------------------------ packet bytes */

static uint16_t get16(const struct pkt *p, size_t off)
{
	return (uint16_t)(p->buf[off] << 8 | p->buf[off + 1]);
}

static void put16(struct pkt *p, size_t off, uint16_t v)
{
	p->buf[off] = (uint8_t)(v >> 8);
	p->buf[off + 1] = (uint8_t)v;
}

static size_t ihl_of(const struct pkt *p, size_t ip) { return (size_t)(p->buf[ip] & 0xf) * 4; }

/* The IPv4 header checksum at ip computed afresh (as far as the frame holds the header). */
static void ip_csum_fix(struct pkt *p, size_t ip)
{
	size_t hl = ihl_of(p, ip);

	if (hl < 20 || ip + hl > p->len)
		return;
	put16(p, ip + 10, 0);
	put16(p, ip + 10, pkt_csum(p->buf + ip, hl, 0));
}

static void set_tot(struct pkt *p, uint16_t tot)
{
	put16(p, IP_OFF + 2, tot);
	ip_csum_fix(p, IP_OFF);
}

/* The ICMP checksum computed afresh over the ICMP message (outer tot_len). */
static void icmp_csum_fix(struct pkt *p)
{
	size_t l4 = IP_OFF + ihl_of(p, IP_OFF), end = IP_OFF + get16(p, IP_OFF + 2);

	if (end > p->len)
		end = p->len;
	put16(p, l4 + 2, 0);
	put16(p, l4 + 2, pkt_csum(p->buf + l4, end - l4, 0));
}

/* One's complement addition: the stored checksum off by e more. */
static void csum_bump(struct pkt *p, size_t off, uint16_t e)
{
	uint32_t s = (uint32_t)get16(p, off) + e;

	put16(p, off, (uint16_t)((s & 0xffff) + (s >> 16)));
}

/* Does the outer L4 checksum verify (TCP, UDP with pseudo-header; ICMP)? */
static bool l4_csum_ok(const struct pkt *p)
{
	size_t ip = IP_OFF, l4 = ip + ihl_of(p, ip), len = get16(p, ip + 2) - ihl_of(p, ip);
	uint8_t proto = p->buf[ip + 9];
	uint32_t sum = 0;

	if (proto != IPPROTO_ICMP) {
		for (int i = 12; i < 20; i += 2)
			sum += get16(p, ip + (size_t)i);
		sum += proto + (uint32_t)len;
	}
	return pkt_csum(p->buf + l4, len, sum) == 0;
}

static bool ip_csum_ok(const struct pkt *p, size_t ip)
{
	return pkt_csum(p->buf + ip, ihl_of(p, ip), 0) == 0;
}

/* IPv4 options inserted after the fixed header at ip (the frame's, or the
 * quote's): IHL, total length and checksum follow. */
static void insert_opts(struct pkt *p, size_t ip, const uint8_t *opts, size_t n)
{
	size_t at = ip + 20;

	memmove(p->buf + at + n, p->buf + at, p->len - at);
	memcpy(p->buf + at, opts, n);
	p->len += n;
	p->buf[ip] = (uint8_t)(0x40 | ((20 + n) / 4));
	put16(p, ip + 2, (uint16_t)(get16(p, ip + 2) + n));
	ip_csum_fix(p, ip);
}

/* The first byte where two frames differ, described. */
static bool pkt_eq(const struct pkt *a, const struct pkt *b, char *why, size_t len)
{
	if (a->len != b->len) {
		snprintf(why, len, "length %zu, expected %zu", a->len, b->len);
		return false;
	}
	for (size_t i = 0; i < a->len; i++)
		if (a->buf[i] != b->buf[i]) {
			snprintf(why, len, "byte %zu is 0x%02x, expected 0x%02x", i, a->buf[i], b->buf[i]);
			return false;
		}
	return true;
}

/* RFC 791 option list: every option's length inside the header. */
static bool ip_opts_valid(const uint8_t *o, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (o[i] == 0) /* end of list: the rest is padding */
			return true;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
			return false;
		i += o[i + 1];
	}
	return true;
}

/* ------------------------------------------------------------ base packets */

static const uint8_t payload[64] = "corpus payload: the L4 checksum covers every one of these bytes";
static const uint8_t qdata[10] = "0123456789";
static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };

struct base {
	const char *name;
	enum xnat_dir dir;
	enum xnat_stat stat;        /* the undamaged packet is counted so */
	struct pkt_spec in, out;    /* addresses, ports, bodies: MACs and TTL per program */
	struct pkt_spec out_nat;    /* SIP: translated without the ALG (a message it leaves as it came) */
	bool sip;
	const uint8_t *lan_mac, *wan_mac;
	struct pkt qin, qout;       /* ICMP errors: the quoted packet, as it arrives / translated */
	bool error;
	uint8_t l4hdr;              /* bytes of L4 header the fast path needs */
};

struct world {
	uint16_t pt, pu, pi; /* H2's external TCP 5000, UDP 5001 ports, ICMP id 0x1234 */
	uint16_t sig, rtp;   /* H1's external SIP 5060 and RTP 49170 ports */
};

static struct world world;

enum { B_TCP_OUT, B_UDP_OUT, B_ECHO_OUT, B_TCP_IN, B_UDP_IN, B_ECHO_IN, B_FWD_IN,
       B_UDP_ERR_IN, B_TCP_ERR_IN, B_UDP_ERR_OUT, B_TCP_ERR_OUT, B_SIP_OUT, B_N };
static struct base bases[B_N];

static void open_flow(uint8_t proto, const char *host, const uint8_t *mac, uint16_t port, uint16_t dport)
{
	struct pkt_spec s = from_lan(flow_spec(proto, host, port, REM, dport), mac);
	struct pkt out;

	run_spec(run_xdp_lan, &s, &out);
}

/* A SIP INVITE with its SDP offer, from addr:sig, media on rtp. */
static const char sip_head[] =
	"INVITE sip:bob@198.51.100.2 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP %1$s:%2$u;branch=z9hG4bK-corpus;rport\r\n"
	"From: <sip:alice@%1$s:%2$u>;tag=1\r\n"
	"To: <sip:bob@198.51.100.2>\r\n"
	"Call-ID: corpus-1@192.168.1.10\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:alice@%1$s:%2$u>\r\n"
	"Content-Type: application/sdp\r\n";
static const char sip_sdp[] =
	"v=0\r\n"
	"o=- 1 1 IN IP4 %1$s\r\n"
	"s=-\r\n"
	"c=IN IP4 %1$s\r\n"
	"t=0 0\r\n"
	"m=audio %2$u RTP/AVP 0\r\n";
static char sip_in_msg[1024], sip_want_msg[1024];

static size_t sip_invite(char *out, size_t cap, const char *addr, unsigned int sig, unsigned int rtp)
{
	char sdp[256];
	int n;

	snprintf(sdp, sizeof(sdp), sip_sdp, addr, rtp);
	n = snprintf(out, cap, sip_head, addr, sig);
	n += snprintf(out + n, cap - (size_t)n, "Content-Length: %zu\r\n\r\n%s", strlen(sdp), sdp);
	return (size_t)n;
}

/* Sessions the inbound packets and ICMP errors belong to; H1 holds the ports
 * first, so H2's are others and its translations change ports too. The SIP
 * call of H1 is on: 5060 and 49170 are forwarded to H2, so its signalling
 * and media ports move (the message grows); the corpus INVITE is a
 * retransmission, translated with the same mappings every time. */
static bool world_try(void)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5060, REM, 5060), MAC_H1);
	struct pkt out;

	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	add_forward(IPPROTO_UDP, 5060, H2, 5060, XNAT_OWNER_STATIC);
	add_forward(IPPROTO_UDP, 49170, H2, 49170, XNAT_OWNER_STATIC);
	s.payload = (const uint8_t *)sip_in_msg;
	s.payload_len = sip_invite(sip_in_msg, sizeof(sip_in_msg), H1, 5060, 49170);
	run_spec(run_xdp_lan, &s, &out);
	world.sig = eim_port(H1, 5060, IPPROTO_UDP);
	world.rtp = eim_port(H1, 49170, IPPROTO_UDP);
	add_forward(IPPROTO_TCP, 8080, H2, 80, XNAT_OWNER_STATIC);
	open_flow(IPPROTO_TCP, H1, MAC_H1, 5000, 80);
	open_flow(IPPROTO_UDP, H1, MAC_H1, 5001, 53);
	open_flow(IPPROTO_ICMP, H1, MAC_H1, 0x1234, 0);
	open_flow(IPPROTO_TCP, H2, MAC_H2, 5000, 80);
	open_flow(IPPROTO_UDP, H2, MAC_H2, 5001, 53);
	open_flow(IPPROTO_ICMP, H2, MAC_H2, 0x1234, 0);
	world.pt = eim_port(H2, 5000, IPPROTO_TCP);
	world.pu = eim_port(H2, 5001, IPPROTO_UDP);
	world.pi = eim_port(H2, 0x1234, IPPROTO_ICMP);
	return world.pt && world.pt != 5000 && world.pu && world.pu != 5001 && world.pi && world.pi != 0x1234 &&
	       world.sig && world.sig != 5060 && world.rtp && world.rtp != 49170;
}

/* The ports drawn at random must leave the outbound bases' ports (TCP 40000,
 * UDP 40001, ICMP 0x4321) free, or these would not be preserved. */
static bool world_setup(void)
{
	for (int i = 0; i < 8; i++)
		if (world_try() && world.pt != 40000 && world.pu != 40001 && world.sig != 40001 &&
		    world.rtp != 40000 && world.rtp + 1 != 40001 && world.pi != 0x4321)
			return true;
	return false;
}

static struct pkt_spec spec(uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport,
			    size_t plen)
{
	struct pkt_spec s = flow_spec(proto, src, sport, dst, dport);

	s.payload = payload, s.payload_len = plen;
	return s;
}

static void quoted(struct pkt *q, uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	struct pkt_spec s = flow_spec(proto, src, sport, dst, dport);

	s.ttl = 63;
	s.tcp_flags = TH_ACK;
	s.payload = qdata, s.payload_len = sizeof(qdata);
	pkt_build(q, &s);
}

static void error_base(struct base *b, const char *name, enum xnat_dir dir, uint8_t type, uint8_t code,
		       const char *src, const char *dst, const char *to)
{
	b->name = name;
	b->dir = dir;
	b->error = true;
	b->l4hdr = 8;
	b->stat = dir == XNAT_DIR_IN ? XNAT_STAT_XLATE_ICMP_ERR_IN : XNAT_STAT_XLATE_ICMP_ERR_OUT;
	b->in = flow_spec(IPPROTO_ICMP, src, 0, dst, 0);
	b->in.icmp_type = type, b->in.icmp_code = code;
	b->in.quote = &b->qin, b->in.quote_len = b->qin.len - PKT_ETH_LEN;
	b->out = b->in;
	b->out.quote = &b->qout;
	if (dir == XNAT_DIR_IN)
		b->out.dst = to;
	else
		b->out.src = to;
}

static void bases_build(void)
{
	struct base *b;

	memset(bases, 0, sizeof(bases));
	b = &bases[B_TCP_OUT];
	b->name = "tcp syn out", b->dir = XNAT_DIR_OUT, b->stat = XNAT_STAT_XLATE_OUT, b->l4hdr = 20;
	b->in = spec(IPPROTO_TCP, H1, 40000, REM, 443, 0);
	b->in.tcp_opts = mss, b->in.tcp_opt_len = sizeof(mss);
	b->out = b->in, b->out.src = EXT;
	b->lan_mac = MAC_H1, b->wan_mac = MAC_REM;

	b = &bases[B_UDP_OUT];
	b->name = "udp out", b->dir = XNAT_DIR_OUT, b->stat = XNAT_STAT_XLATE_OUT, b->l4hdr = 8;
	b->in = spec(IPPROTO_UDP, H1, 40001, REM, 5353, 24);
	b->out = b->in, b->out.src = EXT;
	b->lan_mac = MAC_H1, b->wan_mac = MAC_REM;

	b = &bases[B_ECHO_OUT];
	b->name = "echo request out", b->dir = XNAT_DIR_OUT, b->stat = XNAT_STAT_XLATE_OUT, b->l4hdr = 8;
	b->in = spec(IPPROTO_ICMP, H1, 0x4321, REM, 0, 24);
	b->out = b->in, b->out.src = EXT;
	b->lan_mac = MAC_H1, b->wan_mac = MAC_REM;

	b = &bases[B_TCP_IN];
	b->name = "tcp data in", b->dir = XNAT_DIR_IN, b->stat = XNAT_STAT_XLATE_IN, b->l4hdr = 20;
	b->in = spec(IPPROTO_TCP, REM, 80, EXT, world.pt, 32);
	b->in.tcp_flags = TH_ACK | 0x08 /* PSH */, b->in.tcp_ack = 0x12000035;
	b->out = b->in, b->out.dst = H2, b->out.dport = 5000;
	b->lan_mac = MAC_H2, b->wan_mac = MAC_REM;

	b = &bases[B_UDP_IN];
	b->name = "udp reply in", b->dir = XNAT_DIR_IN, b->stat = XNAT_STAT_XLATE_IN, b->l4hdr = 8;
	b->in = spec(IPPROTO_UDP, REM, 53, EXT, world.pu, 24);
	b->out = b->in, b->out.dst = H2, b->out.dport = 5001;
	b->lan_mac = MAC_H2, b->wan_mac = MAC_REM;

	b = &bases[B_ECHO_IN];
	b->name = "echo reply in", b->dir = XNAT_DIR_IN, b->stat = XNAT_STAT_XLATE_IN, b->l4hdr = 8;
	b->in = spec(IPPROTO_ICMP, REM, world.pi, EXT, 0, 24);
	b->in.icmp_type = 0;
	b->out = b->in, b->out.dst = H2, b->out.sport = 0x1234;
	b->lan_mac = MAC_H2, b->wan_mac = MAC_REM;

	b = &bases[B_FWD_IN];
	b->name = "tcp syn in to forward 8080", b->dir = XNAT_DIR_IN, b->stat = XNAT_STAT_XLATE_IN, b->l4hdr = 20;
	b->in = spec(IPPROTO_TCP, REM2, 40000, EXT, 8080, 0);
	b->in.tcp_opts = mss, b->in.tcp_opt_len = sizeof(mss);
	b->out = b->in, b->out.dst = H2, b->out.dport = 80;
	b->lan_mac = MAC_H2, b->wan_mac = MAC_REM2;

	b = &bases[B_UDP_ERR_IN];
	quoted(&b->qin, IPPROTO_UDP, EXT, world.pu, REM, 53);
	quoted(&b->qout, IPPROTO_UDP, H2, 5001, REM, 53);
	error_base(b, "udp port-unreachable in", XNAT_DIR_IN, 3, 3, REM, EXT, H2);
	b->lan_mac = MAC_H2, b->wan_mac = MAC_REM;

	b = &bases[B_TCP_ERR_IN];
	quoted(&b->qin, IPPROTO_TCP, EXT, world.pt, REM, 80);
	quoted(&b->qout, IPPROTO_TCP, H2, 5000, REM, 80);
	error_base(b, "tcp time-exceeded in", XNAT_DIR_IN, 11, 0, REM2, EXT, H2);
	b->lan_mac = MAC_H2, b->wan_mac = MAC_REM2;

	b = &bases[B_UDP_ERR_OUT];
	quoted(&b->qin, IPPROTO_UDP, REM, 53, H2, 5001);
	quoted(&b->qout, IPPROTO_UDP, REM, 53, EXT, world.pu);
	error_base(b, "udp port-unreachable out", XNAT_DIR_OUT, 3, 3, H2, REM, EXT);
	b->lan_mac = MAC_H2, b->wan_mac = MAC_REM;

	b = &bases[B_TCP_ERR_OUT];
	quoted(&b->qin, IPPROTO_TCP, REM, 80, H2, 5000);
	quoted(&b->qout, IPPROTO_TCP, REM, 80, EXT, world.pt);
	error_base(b, "tcp admin-prohibited out", XNAT_DIR_OUT, 3, 13, H2, REM, EXT);
	b->lan_mac = MAC_H2, b->wan_mac = MAC_REM;

	b = &bases[B_SIP_OUT];
	b->name = "sip invite out (ALG on)", b->dir = XNAT_DIR_OUT, b->stat = XNAT_STAT_XLATE_OUT, b->l4hdr = 8;
	b->sip = true;
	b->in = flow_spec(IPPROTO_UDP, H1, 5060, REM, 5060);
	b->in.payload = (const uint8_t *)sip_in_msg;
	b->in.payload_len = sip_invite(sip_in_msg, sizeof(sip_in_msg), H1, 5060, 49170);
	b->out_nat = b->in, b->out_nat.src = EXT, b->out_nat.sport = world.sig;
	b->out = b->out_nat;
	b->out.payload = (const uint8_t *)sip_want_msg;
	b->out.payload_len = sip_invite(sip_want_msg, sizeof(sip_want_msg), EXT, world.sig, world.rtp);
	b->lan_mac = MAC_H1, b->wan_mac = MAC_REM;
}

/* MACs and TTL as the program meets the packet, and as it leaves. */
static void for_prog(const struct prog *pr, const struct base *b, struct pkt_spec *in, struct pkt_spec *out)
{
	switch (pr->id) {
	case P_XDP_LAN:
		in->smac = b->lan_mac, in->dmac = MAC_GW_LAN, in->ttl = 64;
		out->smac = MAC_GW_WAN, out->dmac = b->wan_mac, out->ttl = 63;
		break;
	case P_TC_EGRESS: /* forwarded by the stack: TTL already decremented */
		in->smac = out->smac = MAC_GW_WAN, in->dmac = out->dmac = b->wan_mac;
		in->ttl = out->ttl = 63;
		break;
	case P_XDP_WAN:
		in->smac = b->wan_mac, in->dmac = MAC_GW_WAN, in->ttl = 64;
		out->smac = MAC_GW_LAN, out->dmac = b->lan_mac, out->ttl = 63;
		break;
	case P_TC_INGRESS:
		in->smac = out->smac = b->wan_mac, in->dmac = out->dmac = MAC_GW_WAN;
		in->ttl = out->ttl = 64;
		break;
	}
}

static void build_specs(const struct prog *pr, const struct base *b, struct pkt_spec si, struct pkt_spec so,
			struct pkt *in, struct pkt *want)
{
	for_prog(pr, b, &si, &so);
	if (pkt_build(in, &si) || pkt_build(want, &so))
		t_note("corpus: a test packet does not fit");
}

static void build(const struct prog *pr, const struct base *b, struct pkt *in, struct pkt *want)
{
	build_specs(pr, b, b->in, b->out, in, want);
}

/* SIP: the packet translated without the ALG (what leaves when the ALG
 * leaves the message as it came); NULL for other bases. */
static const struct pkt *build_nat(const struct prog *pr, const struct base *b, struct pkt *alt)
{
	struct pkt in;

	if (!b->sip)
		return NULL;
	build_specs(pr, b, b->in, b->out_nat, &in, alt);
	return alt;
}

/* An ICMP error whose quoted packets (as it arrives, translated) went
 * through qmod and are quoted for qlen bytes (QUOTE_ALL: whole). */
#define QUOTE_ALL ((size_t)-1)
typedef void (*qmod_fn)(struct pkt *q, long arg);

static void build_quote(const struct prog *pr, const struct base *b, qmod_fn qmod, long arg, size_t qlen,
			struct pkt *in, struct pkt *want)
{
	static struct pkt qi, qo;
	struct pkt_spec si = b->in, so = b->out;

	qi = b->qin, qo = b->qout;
	if (qmod) {
		qmod(&qi, arg);
		qmod(&qo, arg);
	}
	si.quote = &qi, so.quote = &qo;
	si.quote_len = so.quote_len = qlen != QUOTE_ALL ? qlen : qi.len - PKT_ETH_LEN;
	build_specs(pr, b, si, so, in, want);
}

/* ------------------------------------------------------------ one class of variants */

enum acc {
	MUST_NOT,   /* damage that matters: passed or dropped untouched, counted */
	MUST_XLATE, /* damage that does not: translated as want */
	EITHER,     /* translated as want, or passed/dropped untouched */
};

struct cls {
	const struct base *b;
	const struct prog *pr;
	char what[200];
	unsigned int n, refused, xlated, fails, as_alt;
	unsigned int hist[XNAT_STAT_MAX];
	char why[512];
	int must_stat; /* the one counter a MUST_NOT variant must be counted as, -1: any pass or drop */
};

static struct snap snaps[4];
static struct snap *s0 = &snaps[0], *s1 = &snaps[1], *cur = &snaps[2], *aft = &snaps[3];
static struct pkt last_out;
static int last_stat; /* the verdict counter of the last run, -1: none or several */

/* xnat_frags records a sequence may leave: (key, value) */
static struct {
	struct xnat_frag_key k;
	struct xnat_frag v;
} allowed_frag;
static bool frag_allowed;
static bool in_control; /* the undamaged run: its state becomes s1 */

static struct {
	unsigned int classes, variants, refused, xlated, failed;
} totals;

static void cls_begin(struct cls *c, const struct base *b, const struct prog *pr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void cls_begin(struct cls *c, const struct base *b, const struct prog *pr, const char *fmt, ...)
{
	va_list ap;

	memset(c, 0, sizeof(*c));
	c->b = b, c->pr = pr, c->must_stat = -1;
	va_start(ap, fmt);
	vsnprintf(c->what, sizeof(c->what), fmt, ap);
	va_end(ap);
}

static void cls_fail(struct cls *c, const char *label, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cls_fail(struct cls *c, const char *label, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (c->fails++)
		return; /* the first one is described */
	n = (size_t)snprintf(c->why, sizeof(c->why), "%s: ", label);
	va_start(ap, fmt);
	vsnprintf(c->why + n, sizeof(c->why) - n, fmt, ap);
	va_end(ap);
}

/* Frags may hold what cur held, plus the allowed record. */
static bool frags_ok(const struct snap *a, const struct snap *before)
{
	const struct dump *d = &a->m[M_FRAGS];

	if (d->overflow)
		return false;
	for (unsigned int i = 0; i < d->n; i++) {
		const uint8_t *e = d->e[i], *old = dump_find(M_FRAGS, &before->m[M_FRAGS], e);
		const struct xnat_frag *v = (const void *)(e + sizeof(struct xnat_frag_key));

		if (old && entry_eq(M_FRAGS, old, e))
			continue;
		if (frag_allowed && !memcmp(e, &allowed_frag.k, sizeof(allowed_frag.k)) &&
		    v->saddr == allowed_frag.v.saddr && v->daddr == allowed_frag.v.daddr &&
		    v->stat == allowed_frag.v.stat && !v->slow)
			continue;
		return false;
	}
	return true;
}

/*
 * Run one variant from the state the maps are in (cur) and check it.
 * want: the expected translation (NULL: none is acceptable); alt: a second
 * acceptable one. A failure fails the class.
 */
static void variant_alt(struct cls *c, const struct pkt *in, const struct pkt *want, const struct pkt *alt,
			enum acc acc, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void variant_alt(struct cls *c, const struct pkt *in, const struct pkt *want, const struct pkt *alt,
			enum acc acc, const char *fmt, ...)
{
	struct xnat_counter now[XNAT_STAT_MAX];
	unsigned int verdicts = 0, stat = 0;
	uint64_t ev_new;
	const struct prog *pr = c->pr;
	char label[128], why[256], diff[256];
	struct snap *t;
	va_list ap;
	int v;

	va_start(ap, fmt);
	vsnprintf(label, sizeof(label), fmt, ap);
	va_end(ap);
	v = qrun(pr, in, &last_out);
	last_stat = -1;
	if (v < 0) {
		c->refused++;
		return;
	}
	c->n++;
	stats_now(now);
	for (unsigned int i = 0; i < XNAT_STAT_MAX; i++)
		if (!is_event(i) && now[i].packets != st_prev[i].packets) {
			verdicts += (unsigned int)(now[i].packets - st_prev[i].packets);
			stat = i;
		}
	ev_new = now[XNAT_STAT_NEW_SESSION].packets - st_prev[XNAT_STAT_NEW_SESSION].packets +
		 now[XNAT_STAT_NEW_MAPPING].packets - st_prev[XNAT_STAT_NEW_MAPPING].packets;
	memcpy(st_prev, now, sizeof(now));
	snap_take(aft);
	if (verdicts == 1)
		last_stat = (int)stat;
	if (verdicts != 1) {
		cls_fail(c, label, "%u verdicts counted (verdict %d)", verdicts, v);
	} else if (is_xlate(stat)) {
		bool as_want = want && pkt_eq(&last_out, want, why, sizeof(why));

		c->hist[stat]++;
		c->xlated++;
		if (v != pr->v_xlate) {
			cls_fail(c, label, "counted %s with verdict %d", xnat_stat_name(stat), v);
		} else if (acc == MUST_NOT || !want) {
			snap_diff(aft, cur, diff, sizeof(diff));
			cls_fail(c, label, "translated (%s), must be passed or dropped untouched%s%s",
				 xnat_stat_name(stat), diff[0] ? "; maps: " : "", diff);
		} else if (!as_want && (!alt || !pkt_eq(&last_out, alt, diff, sizeof(diff)))) {
			cls_fail(c, label, "translated (%s) but not as expected: %s", xnat_stat_name(stat), why);
		} else if (!in_control && !snap_eq(aft, s0, false) && !snap_eq(aft, s1, false)) {
			snap_diff(aft, s1, diff, sizeof(diff));
			cls_fail(c, label,
				 "translated, maps neither as before nor as the undamaged packet leaves them: %s", diff);
		} else if (!frags_ok(aft, cur)) {
			cls_fail(c, label, "translated, xnat_frags holds a record it must not (%u entries)",
				 aft->m[M_FRAGS].n);
		} else if (!as_want) {
			c->as_alt++; /* left as the alternative */
		}
	} else {
		bool pass = is_pass(stat);

		c->hist[stat]++;
		if (!snap_eq(aft, cur, true))
			snap_diff(aft, cur, diff, sizeof(diff));
		if (v != (pass ? pr->v_pass : pr->v_drop))
			cls_fail(c, label, "counted %s with verdict %d", xnat_stat_name(stat), v);
		else if (!pkt_eq(&last_out, in, why, sizeof(why)))
			cls_fail(c, label, "%s but the frame changed: %s", xnat_stat_name(stat), why);
		else if (!snap_eq(aft, cur, true))
			cls_fail(c, label, "%s but the maps changed: %s", xnat_stat_name(stat), diff);
		else if (ev_new)
			cls_fail(c, label, "%s but new_session/new_mapping counted", xnat_stat_name(stat));
		else if (acc == MUST_XLATE)
			cls_fail(c, label, "%s, expected to be translated", xnat_stat_name(stat));
		else if (c->must_stat >= 0 && stat != (unsigned int)c->must_stat)
			cls_fail(c, label, "counted %s, expected %s", xnat_stat_name(stat),
				 xnat_stat_name((unsigned int)c->must_stat));
	}
	t = cur, cur = aft, aft = t;
}

static void variant(struct cls *c, const struct pkt *in, const struct pkt *want, enum acc acc, const char *fmt,
		    ...) __attribute__((format(printf, 5, 6)));
static void variant(struct cls *c, const struct pkt *in, const struct pkt *want, enum acc acc, const char *fmt,
		    ...)
{
	char label[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(label, sizeof(label), fmt, ap);
	va_end(ap);
	variant_alt(c, in, want, NULL, acc, "%s", label);
}

/* Back to the state before the class (after each variant or sequence). */
static void settle(void)
{
	struct snap *t;

	if (snap_eq(cur, s0, true))
		return;
	snap_restore(cur, s0);
	snap_take(aft);
	if (!snap_eq(aft, s0, true))
		t_note("corpus: the maps could not be put back as they were");
	t = cur, cur = aft, aft = t;
}

/* One variant, then the state put back. */
#define single(...) (variant(__VA_ARGS__), settle())

static void cls_end(struct cls *c)
{
	char counts[400];
	size_t n = 0;

	counts[0] = 0;
	for (unsigned int i = 0; i < XNAT_STAT_MAX; i++)
		if (c->hist[i])
			n += (size_t)snprintf(counts + n, sizeof(counts) - n, "%s%u %s", n ? ", " : "", c->hist[i],
					      xnat_stat_name(i));
	if (c->as_alt)
		n += (size_t)snprintf(counts + n, sizeof(counts) - n, "; %u of them %s", c->as_alt,
				      c->b->sip ? "with the message as it came (ALG left it)" :
						  "with the quoted TCP checksum left as it came");
	if (c->refused)
		snprintf(counts + n, sizeof(counts) - n, "%s%u refused by BPF_PROG_TEST_RUN", n ? "; " : "",
			 c->refused);
	totals.classes++;
	totals.variants += c->n;
	totals.refused += c->refused;
	totals.xlated += c->xlated;
	if (c->fails) {
		totals.failed += c->fails;
		t_ok(false, "corpus: %s via %s, %s: %u variants, %u failed (%s); first: %s", c->b->name, c->pr->name,
		     c->what, c->n, c->fails, counts, c->why);
	} else {
		t_ok(true, "corpus: %s via %s, %s: %u variants, %s (%s)", c->b->name, c->pr->name, c->what, c->n,
		     c->xlated == c->n ? "all translated as expected" :
		     c->xlated ? "each translated as expected or passed/dropped untouched and counted" :
				 "all passed untouched or dropped and counted",
		     counts);
	}
}

/* ------------------------------------------------------------ the damage classes */

static bool is_proto(const struct base *b, uint8_t proto) { return b->in.proto == proto; }

/* The frame cut at every length; the IP total length still claims it all. */
static void truncated(const struct base *b, const struct prog *pr)
{
	struct pkt in, want, v;
	struct cls c;

	build(pr, b, &in, &want);
	cls_begin(&c, b, pr, "truncated at 0..%zu, tot_len kept", in.len - 1);
	for (size_t l = 0; l < in.len; l++) {
		v = in;
		v.len = l;
		single(&c, &v, NULL, MUST_NOT, "cut at %zu", l);
	}
	cls_end(&c);
}

/* The IP packet itself cut (tot_len follows, IP checksum right): whatever
 * the L4 header needs must be there; a shorter payload is the receiver's
 * business (its L4 checksum no longer verifies, and stays so). */
static void truncated_consistent(const struct base *b, const struct prog *pr)
{
	size_t first = L4_OFF, hdr = L4_OFF + b->l4hdr;
	struct pkt in, want, v, w, nat, a;
	const struct pkt *alt;
	struct cls c;

	build(pr, b, &in, &want);
	alt = build_nat(pr, b, &nat);
	cls_begin(&c, b, pr, "IP packet cut at %zu..%zu (tot_len and IP checksum follow)", first,
		  b->error ? hdr - 1 : in.len - 1);
	for (size_t l = first; l < in.len; l++) {
		v = in, w = want;
		v.len = w.len = l;
		set_tot(&v, (uint16_t)(l - IP_OFF));
		set_tot(&w, (uint16_t)(l - IP_OFF));
		if (b->error && l >= hdr)
			break; /* quotes: cut_quote() */
		if (alt) { /* SIP: the ALG leaves a message whose UDP length lies */
			a = *alt;
			a.len = l;
			set_tot(&a, (uint16_t)(l - IP_OFF));
		}
		variant_alt(&c, &v, &w, alt ? &a : NULL, l < hdr ? MUST_NOT : EITHER, "cut at %zu", l);
		settle();
	}
	cls_end(&c);
}

/* ICMP errors: the quote cut to 0..all bytes, every checksum right. */
static void cut_quote(const struct base *b, const struct prog *pr)
{
	size_t full = b->qin.len - PKT_ETH_LEN;
	struct pkt in, want, alt;
	struct cls c;

	cls_begin(&c, b, pr, "quote cut to 0..%zu bytes", full - 1);
	for (size_t q = 0; q < full; q++) {
		size_t l4 = q > 20 ? q - 20 : 0;
		bool tcp = b->qin.buf[IP_OFF + 9] == IPPROTO_TCP;

		build_quote(pr, b, NULL, 0, q, &in, &want);
		if (tcp && l4 > 16 && l4 < 20) {
			/* The quoted TCP checksum is there (or half of it), the rest
			 * of the header isn't: left as it was, or updated when whole
			 * (either is acceptable). */
			alt = want;
			memcpy(alt.buf + Q_L4_OFF + 16, in.buf + Q_L4_OFF + 16, 2);
			icmp_csum_fix(&alt);
			variant_alt(&c, &in, &want, &alt, MUST_XLATE, "quote %zu bytes", q);
			settle();
			continue;
		}
		single(&c, &in, &want, l4 < 8 ? MUST_NOT : MUST_XLATE, "quote %zu bytes", q);
	}
	cls_end(&c);
}

/* IHL 0..15: mode 0 the header checksum computed over the new length, 1 left
 * stale, 2 tot_len moved by as much as the header. */
static void bad_ihl(const struct base *b, const struct prog *pr, int mode)
{
	static const char *const what[] = { "IHL 0..15, IP checksum recomputed", "IHL 0..15, IP checksum stale",
					    "IHL 0..15, tot_len moved with it, IP checksum recomputed" };
	struct pkt in, want, v;
	struct cls c;

	build(pr, b, &in, &want);
	cls_begin(&c, b, pr, "%s", what[mode]);
	for (int ihl = 0; ihl < 16; ihl++) {
		size_t hl = (size_t)ihl * 4, olen = hl > 20 ? hl - 20 : 0;
		bool opts_ok = hl <= 20 || (IP_OFF + hl <= in.len && ip_opts_valid(in.buf + L4_OFF, olen));

		v = in;
		v.buf[IP_OFF] = (uint8_t)(0x40 | ihl);
		if (mode == 2)
			put16(&v, IP_OFF + 2, (uint16_t)(get16(&v, IP_OFF + 2) + hl - 20));
		if (mode != 1)
			ip_csum_fix(&v, IP_OFF);
		if (ihl == 5)
			single(&c, &v, &want, MUST_XLATE, "IHL 5 (undamaged)");
		else
			single(&c, &v, NULL, MUST_NOT, "IHL %d (options %s)", ihl,
			       opts_ok ? "valid or none" : "malformed");
	}
	cls_end(&c);
}

struct ipopt {
	const char *name;
	uint8_t len;
	uint8_t b[40];
};

static const struct ipopt good_opts[] = {
	{ "4 NOPs", 4, { 1, 1, 1, 1 } },
	{ "NOP NOP NOP EOL", 4, { 1, 1, 1, 0 } },
	{ "EOL and padding", 4, { 0, 0, 0, 0 } },
	{ "EOL then garbage", 4, { 0, 0xff, 0x44, 0x99 } },
	{ "router alert", 4, { 0x94, 4, 0, 0 } },
	{ "record route, 1 slot", 8, { 7, 7, 4, 0, 0, 0, 0, 0 } },
	{ "timestamp, 2 slots", 12, { 0x44, 12, 5, 0 } },
	{ "record route, 9 slots (40 bytes)", 40, { 7, 39, 4 } },
	{ "40 NOPs", 40, { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
			   1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 } },
};

static const struct ipopt bad_opts[] = {
	{ "record route claiming 40 bytes in 4", 4, { 7, 40, 4, 0 } },
	{ "router alert with length 5 in 4", 4, { 0x94, 5, 0, 0 } },
	{ "option length 0", 4, { 0x44, 0, 5, 0 } },
	{ "option length 1", 4, { 7, 1, 0, 0 } },
	{ "option type as the last byte, no length", 4, { 1, 1, 1, 0x83 } },
	{ "record route running 1 byte past 40", 40, { 7, 41, 4 } },
};

/* IPv4 options inserted: valid ones change nothing (passed through as they
 * are; xnat is no router that fills in record route); malformed ones matter. */
static void ip_options(const struct base *b, const struct prog *pr, bool good)
{
	const struct ipopt *o = good ? good_opts : bad_opts;
	size_t n = good ? sizeof(good_opts) / sizeof(*o) : sizeof(bad_opts) / sizeof(*o);
	struct pkt in, want, v, w;
	struct cls c;

	build(pr, b, &in, &want);
	cls_begin(&c, b, pr, "%s IPv4 options (%zu kinds%s)", good ? "valid" : "malformed", n,
		  good ? "" : "; checked for form: never translated");
	for (size_t i = 0; i < n; i++) {
		v = in, w = want;
		insert_opts(&v, IP_OFF, o[i].b, o[i].len);
		insert_opts(&w, IP_OFF, o[i].b, o[i].len);
		single(&c, &v, good ? &w : NULL, good ? MUST_XLATE : MUST_NOT, "%s", o[i].name);
	}
	cls_end(&c);
}

/* Total lengths that lie: 0, shorter than the header, shorter than the L4
 * header, shorter than the frame (the rest a trailer), longer than the frame. */
static void bad_tot_len(const struct base *b, const struct prog *pr)
{
	struct pkt in, want, v, w, nat, a;
	const struct pkt *alt;
	uint16_t full, hdr;
	struct cls c;

	build(pr, b, &in, &want);
	alt = build_nat(pr, b, &nat);
	full = (uint16_t)(in.len - IP_OFF);
	hdr = (uint16_t)(20 + b->l4hdr);

	cls_begin(&c, b, pr, "tot_len 0");
	v = in;
	set_tot(&v, 0);
	single(&c, &v, NULL, MUST_NOT, "tot_len 0");
	cls_end(&c);

	cls_begin(&c, b, pr, "tot_len 1..19 (shorter than the IP header)");
	for (uint16_t t = 1; t < 20; t++) {
		v = in;
		set_tot(&v, t);
		single(&c, &v, NULL, MUST_NOT, "tot_len %u", t);
	}
	cls_end(&c);

	cls_begin(&c, b, pr, "tot_len 20..%u (shorter than IP + L4 header)", hdr - 1);
	for (uint16_t t = 20; t < hdr; t++) {
		v = in;
		set_tot(&v, t);
		single(&c, &v, NULL, MUST_NOT, "tot_len %u", t);
	}
	cls_end(&c);

	cls_begin(&c, b, pr, "tot_len %u..%u (shorter than the frame, the rest a trailer)", hdr, full - 1);
	for (uint16_t t = hdr; t < full; t++) {
		if (b->error) {
			/* The quote ends where the ICMP message does: build it so
			 * (checksums right), the rest of the quote as a trailer the
			 * translation must leave alone. */
			size_t q = (size_t)t - 28, l4 = q > 20 ? q - 20 : 0;
			bool tcp = b->qin.buf[IP_OFF + 9] == IPPROTO_TCP;
			struct pkt keep;

			build_quote(pr, b, NULL, 0, q, &v, &w);
			memcpy(v.buf + v.len, in.buf + v.len, in.len - v.len);
			memcpy(w.buf + w.len, in.buf + w.len, in.len - w.len);
			v.len = w.len = in.len;
			keep = w;
			if (tcp && l4 < 20) {
				/* the quoted TCP checksum (not, or not all, in the
				 * message) left as it came; once whole, updated or not */
				memcpy(keep.buf + Q_L4_OFF + 16, in.buf + Q_L4_OFF + 16, 2);
				icmp_csum_fix(&keep);
				if (l4 < 18)
					w = keep;
			}
			variant_alt(&c, &v, &w, &keep, l4 < 8 ? MUST_NOT : MUST_XLATE,
				    "tot_len %u", t);
			settle();
			continue;
		}
		v = in, w = want;
		set_tot(&v, t);
		set_tot(&w, t);
		if (alt) {
			a = *alt;
			set_tot(&a, t);
		}
		variant_alt(&c, &v, &w, alt ? &a : NULL, EITHER, "tot_len %u", t);
		settle();
	}
	cls_end(&c);

	cls_begin(&c, b, pr, "tot_len longer than the frame (%u, %u, 1500, 65535)", full + 1, full + 8);
	{
		const uint16_t lens[] = { (uint16_t)(full + 1), (uint16_t)(full + 8), 1500, 65535 };

		for (size_t i = 0; i < sizeof(lens) / sizeof(*lens); i++) {
			v = in;
			set_tot(&v, lens[i]);
			single(&c, &v, NULL, MUST_NOT, "tot_len %u", lens[i]);
		}
	}
	cls_end(&c);
}

/* A checksum off by e: translated, it must leave off by e (or be passed or
 * dropped untouched). What the fast path does: it checks none, updates them
 * incrementally. */
static const uint16_t bumps[] = { 1, 0x1234, 0x8000 };

static void bad_csum(struct cls *c, const struct pkt *in, const struct pkt *want, size_t off, bool icmp_fix,
		     bool (*still_bad)(const struct pkt *), const char *what)
{
	for (size_t i = 0; i < sizeof(bumps) / sizeof(*bumps); i++) {
		struct pkt v = *in, w = *want;

		csum_bump(&v, off, bumps[i]);
		csum_bump(&w, off, bumps[i]);
		if (icmp_fix) { /* a quoted checksum: the ICMP checksum covers it */
			icmp_csum_fix(&v);
			icmp_csum_fix(&w);
		}
		if (still_bad && still_bad(&w) == false)
			cls_fail(c, NULL, what, "test construction: the expected packet's checksum verifies");
		variant(c, &v, &w, EITHER, "%s +0x%x", what, bumps[i]);
		if (last_stat >= 0 && is_xlate((unsigned int)last_stat) && still_bad && !still_bad(&last_out))
			cls_fail(c, NULL, what, "translated with a checksum that became valid");
		settle();
	}
}

static bool ip_bad(const struct pkt *p) { return !ip_csum_ok(p, IP_OFF); }
static bool l4_bad(const struct pkt *p) { return !l4_csum_ok(p); }
static bool qip_bad(const struct pkt *p) { return !ip_csum_ok(p, Q_IP_OFF); }

static void bad_checksums(const struct base *b, const struct prog *pr)
{
	size_t l4c = L4_OFF + (is_proto(b, IPPROTO_TCP) ? 16 : is_proto(b, IPPROTO_UDP) ? 6 : 2);
	struct pkt in, want;
	struct cls c;

	build(pr, b, &in, &want);
	cls_begin(&c, b, pr, "bad IP header checksum (off by 1, 0x1234, 0x8000; none is verified: "
		  "if translated, it leaves off by as much)");
	bad_csum(&c, &in, &want, IP_OFF + 10, false, ip_bad, "IP checksum");
	cls_end(&c);

	cls_begin(&c, b, pr, "bad %s checksum (off by 1, 0x1234, 0x8000; if translated, it leaves off by as much)",
		  is_proto(b, IPPROTO_TCP) ? "TCP" : is_proto(b, IPPROTO_UDP) ? "UDP" : "ICMP");
	bad_csum(&c, &in, &want, l4c, false, l4_bad, "L4 checksum");
	cls_end(&c);

	if (!b->error)
		return;
	cls_begin(&c, b, pr, "bad quoted IP checksum (ICMP checksum right)");
	bad_csum(&c, &in, &want, Q_IP_OFF + 10, true, qip_bad, "quoted IP checksum");
	cls_end(&c);
	cls_begin(&c, b, pr, "bad quoted %s checksum (ICMP checksum right)",
		  b->qin.buf[IP_OFF + 9] == IPPROTO_TCP ? "TCP" : "UDP");
	bad_csum(&c, &in, &want, Q_L4_OFF + (b->qin.buf[IP_OFF + 9] == IPPROTO_TCP ? 16 : 6), true, NULL,
		 "quoted L4 checksum");
	cls_end(&c);
}

/* ------------------------------------------------------------ fragments */

/* A fragment of the datagram whole: L4 bytes [off, off + len), MF as given. */
static void frag_of(const struct pkt *whole, size_t off, size_t len, bool mf, struct pkt *f)
{
	memcpy(f->buf, whole->buf, L4_OFF);
	memcpy(f->buf + L4_OFF, whole->buf + L4_OFF + off, len);
	f->len = L4_OFF + len;
	put16(f, IP_OFF + 6, (uint16_t)((mf ? 0x2000 : 0) | off / 8));
	set_tot(f, (uint16_t)(20 + len));
}

/* A later fragment as it must leave: its bytes as they came (the fast path
 * can't know what they overlap), its IP header translated. */
static void frag_later(const struct pkt *in, const struct pkt *want, size_t off, size_t len, bool mf,
		       struct pkt *f, struct pkt *e)
{
	frag_of(in, off, len, mf, f);
	frag_of(want, off, len, mf, e);
	memcpy(e->buf + L4_OFF, f->buf + L4_OFF, len);
}

static void frag_expect(const struct base *b, const struct pkt *in, const struct pkt *want)
{
	frag_allowed = true;
	memset(&allowed_frag, 0, sizeof(allowed_frag));
	memcpy(&allowed_frag.k.saddr, in->buf + IP_OFF + 12, 4);
	memcpy(&allowed_frag.k.daddr, in->buf + IP_OFF + 16, 4);
	memcpy(&allowed_frag.k.id, in->buf + IP_OFF + 4, 2);
	allowed_frag.k.proto = in->buf[IP_OFF + 9];
	memcpy(&allowed_frag.v.saddr, want->buf + IP_OFF + 12, 4);
	memcpy(&allowed_frag.v.daddr, want->buf + IP_OFF + 16, 4);
	allowed_frag.v.stat = (__u16)b->stat;
}

static void fragments(const struct base *b, const struct prog *pr)
{
	struct pkt in, want, f1, f2, f3, e1, e2, e3;
	size_t l4len, first = (b->l4hdr + 7) / 8 * 8;
	struct cls c;

	build(pr, b, &in, &want);
	if (b->sip) /* a piece of a message: the ALG leaves it (no slow path here) */
		build_nat(pr, b, &want);
	l4len = in.len - L4_OFF;
	frag_expect(b, &in, &want);

	if (first < l4len) {
		cls_begin(&c, b, pr, "fragments in order (first %zu..%zu L4 bytes, then the rest; and in 3)", first,
			  (l4len - 1) / 8 * 8);
		for (size_t f = first; f < l4len; f += 8) {
			frag_of(&in, 0, f, true, &f1), frag_of(&want, 0, f, true, &e1);
			frag_later(&in, &want, f, l4len - f, false, &f2, &e2);
			variant(&c, &f1, &e1, MUST_XLATE, "first %zu bytes", f);
			variant(&c, &f2, &e2, MUST_XLATE, "then the last %zu bytes", l4len - f);
			settle();
			if (f + 8 < l4len) {
				frag_later(&in, &want, f, 8, true, &f2, &e2);
				frag_later(&in, &want, f + 8, l4len - f - 8, false, &f3, &e3);
				variant(&c, &f1, &e1, MUST_XLATE, "first %zu bytes", f);
				variant(&c, &f2, &e2, MUST_XLATE, "middle 8 bytes at %zu", f);
				variant(&c, &f3, &e3, MUST_XLATE, "last bytes at %zu", f + 8);
				settle();
			}
		}
		cls_end(&c);

		cls_begin(&c, b, pr, "later fragments before the first (dropped, drop_fragment_no_state), then in order");
		for (size_t f = first; f < l4len; f += 8) {
			frag_of(&in, 0, f, true, &f1), frag_of(&want, 0, f, true, &e1);
			frag_later(&in, &want, f, l4len - f, false, &f2, &e2);
			c.must_stat = XNAT_STAT_DROP_FRAG_NO_STATE;
			variant(&c, &f2, NULL, MUST_NOT, "last %zu bytes first", l4len - f);
			if (f + 8 < l4len) {
				frag_of(&in, f, 8, true, &f3);
				variant(&c, &f3, NULL, MUST_NOT, "middle fragment first");
			}
			c.must_stat = -1;
			variant(&c, &f1, &e1, MUST_XLATE, "then the first");
			variant(&c, &f2, &e2, MUST_XLATE, "then the last again");
			settle();
		}
		cls_end(&c);

		cls_begin(&c, b, pr, "overlapping fragments (duplicate first, later ones reaching back)");
		for (size_t f = first; f < l4len; f += f < 64 ? 8 : 64) {
			frag_of(&in, 0, f, true, &f1), frag_of(&want, 0, f, true, &e1);
			variant(&c, &f1, &e1, MUST_XLATE, "first %zu bytes", f);
			variant(&c, &f1, &e1, MUST_XLATE, "the first again");
			for (size_t back = 8; back < f; back += back < 64 ? 8 : 64) {
				/* from f - back on: over the first one's bytes (the L4
				 * header too); every 8 bytes near the header, then sampled */
				frag_later(&in, &want, f - back, l4len - f + back, false, &f2, &e2);
				variant(&c, &f2, &e2, MUST_XLATE, "later at %zu, overlapping %zu", f - back, back);
			}
			settle();
		}
		cls_end(&c);
	}

	cls_begin(&c, b, pr, "tiny first fragment (MF, offset 0, L4 0..%u bytes), then a later one", b->l4hdr - 1);
	for (size_t f = 0; f < b->l4hdr && f < l4len; f++) {
		frag_of(&in, 0, f, true, &f1);
		frag_of(&in, first, l4len > first ? l4len - first : 0, false, &f2);
		variant(&c, &f1, NULL, MUST_NOT, "first with %zu bytes", f);
		c.must_stat = XNAT_STAT_DROP_FRAG_NO_STATE;
		variant(&c, &f2, NULL, MUST_NOT, "later after a tiny first of %zu", f);
		c.must_stat = -1;
		settle();
	}
	cls_end(&c);
	frag_allowed = false;
}

/* ------------------------------------------------------------ ICMP errors quoting garbage */

static void q_ihl(struct pkt *q, long ihl)
{
	q->buf[IP_OFF] = (uint8_t)(0x40 | ihl);
	ip_csum_fix(q, IP_OFF);
}

static void q_version(struct pkt *q, long v)
{
	q->buf[IP_OFF] = (uint8_t)(v << 4 | 5);
	ip_csum_fix(q, IP_OFF);
}

static void q_proto(struct pkt *q, long proto)
{
	q->buf[IP_OFF + 9] = (uint8_t)proto;
	ip_csum_fix(q, IP_OFF);
}

static void q_u16(struct pkt *q, long off_val) /* offset << 16 | value */
{
	put16(q, (size_t)(off_val >> 16), (uint16_t)off_val);
	ip_csum_fix(q, IP_OFF);
}

static void q_addr(struct pkt *q, long off_idx) /* offset << 8 | index into addrs */
{
	static const char *const addrs[] = { REM2, H1, "203.0.113.9", GW_LAN, EXT, REM };
	uint32_t a = pkt_addr(addrs[off_idx & 0xff]);

	memcpy(q->buf + (off_idx >> 8), &a, 4);
	ip_csum_fix(q, IP_OFF);
}

static void q_opts(struct pkt *q, long which)
{
	insert_opts(q, IP_OFF, good_opts[which].b, good_opts[which].len);
}

/* The quote is itself an ICMP error quoting the base's quoted packet. */
static struct pkt nested_inner;
static void q_nested(struct pkt *q, long type)
{
	struct pkt_spec s = flow_spec(IPPROTO_ICMP, "0.0.0.0", 0, "0.0.0.0", 0);
	char src[16], dst[16];

	inet_ntop(AF_INET, q->buf + IP_OFF + 12, src, sizeof(src));
	inet_ntop(AF_INET, q->buf + IP_OFF + 16, dst, sizeof(dst));
	s.src = src, s.dst = dst, s.ttl = 63;
	s.icmp_type = (uint8_t)type, s.icmp_code = 0;
	nested_inner = *q;
	s.quote = &nested_inner, s.quote_len = 28;
	pkt_build(q, &s);
}

static void quote_garbage(const struct base *b, const struct prog *pr)
{
	bool tcp = b->qin.buf[IP_OFF + 9] == IPPROTO_TCP;
	/* the quoted packet's remote and translated ends */
	size_t q_rem_addr = b->dir == XNAT_DIR_IN ? IP_OFF + 16 : IP_OFF + 12;
	size_t q_ext_addr = b->dir == XNAT_DIR_IN ? IP_OFF + 12 : IP_OFF + 16;
	size_t q_rem_port = b->dir == XNAT_DIR_IN ? L4_OFF + 2 : L4_OFF;
	size_t q_ext_port = b->dir == XNAT_DIR_IN ? L4_OFF : L4_OFF + 2;
	struct pkt in, want;
	struct cls c;

	cls_begin(&c, b, pr, "quoted IHL 0..15 (quoted checksum recomputed)");
	for (long ihl = 0; ihl < 16; ihl++) {
		build_quote(pr, b, q_ihl, ihl, QUOTE_ALL, &in, &want);
		single(&c, &in, &want, ihl == 5 ? MUST_XLATE : MUST_NOT, "quoted IHL %ld", ihl);
	}
	cls_end(&c);

	cls_begin(&c, b, pr, "quoted version 0, 6, 15");
	for (long v = 0; v < 16; v += v == 0 ? 6 : 9) {
		build_quote(pr, b, q_version, v, QUOTE_ALL, &in, &want);
		single(&c, &in, NULL, MUST_NOT, "quoted version %ld", v);
	}
	cls_end(&c);

	cls_begin(&c, b, pr, "quoted protocol other (0, ICMP, %s, GRE, SCTP, 255)", tcp ? "UDP" : "TCP");
	{
		const long protos[] = { 0, IPPROTO_ICMP, tcp ? IPPROTO_UDP : IPPROTO_TCP, 47, 132, 255 };

		for (size_t i = 0; i < sizeof(protos) / sizeof(*protos); i++) {
			build_quote(pr, b, q_proto, protos[i], QUOTE_ALL, &in, &want);
			single(&c, &in, NULL, MUST_NOT, "quoted protocol %ld", protos[i]);
		}
	}
	cls_end(&c);

	cls_begin(&c, b, pr, "quote of no session (the remote's or the translated port changed)");
	{
		const uint16_t rp = get16(&b->qin, q_rem_port), xp = get16(&b->qin, q_ext_port);
		const long mods[] = { (long)q_rem_port << 16 | (uint16_t)(rp + 1), (long)q_rem_port << 16 | 0,
				      (long)q_ext_port << 16 | (uint16_t)(xp + 1), (long)q_ext_port << 16 | 0,
				      (long)q_ext_port << 16 | 0xffff };

		for (size_t i = 0; i < sizeof(mods) / sizeof(*mods); i++) {
			build_quote(pr, b, q_u16, mods[i], QUOTE_ALL, &in, &want);
			single(&c, &in, NULL, MUST_NOT, "quoted port %zu", i);
		}
	}
	cls_end(&c);

	cls_begin(&c, b, pr, "quote claiming another host (quoted remote or translated address changed)");
	for (long i = 0; i < 4; i++) {
		build_quote(pr, b, q_addr, (long)q_rem_addr << 8 | i, QUOTE_ALL, &in, &want);
		single(&c, &in, NULL, MUST_NOT, "quoted remote address %ld", i);
	}
	/* the translated end: inbound, the external address replaced by another
	 * (or a LAN address); outbound, the LAN host by another (H1, whose UDP
	 * 5001 session exists: then it is H1's error, translated as such) */
	for (long i = 0; i < 4; i++) {
		struct pkt w2;

		build_quote(pr, b, q_addr, (long)q_ext_addr << 8 | i, QUOTE_ALL, &in, &want);
		if (b->dir == XNAT_DIR_OUT && i == 1) {
			/* H2 reports about H1's flow REM -> H1:500x (EXT:500x): a
			 * LAN router may; translated as H1's error would be */
			uint8_t proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;
			uint16_t rport = tcp ? 80 : 53, port = tcp ? 5000 : 5001;
			struct pkt_spec si = b->in, so = b->out;
			struct pkt qi, qo;

			quoted(&qi, proto, REM, rport, H1, port);
			quoted(&qo, proto, REM, rport, EXT, port);
			si.quote = &qi, so.quote = &qo;
			build_specs(pr, b, si, so, &in, &w2);
			single(&c, &in, &w2, EITHER, "quoted LAN host another one with a session");
			continue;
		}
		single(&c, &in, NULL, MUST_NOT, "quoted translated address %ld", i);
	}
	cls_end(&c);

	cls_begin(&c, b, pr, "outer source another host (a router on the way / a LAN router)");
	{
		struct pkt_spec si = b->in, so = b->out;

		if (b->dir == XNAT_DIR_IN)
			si.src = so.src = strcmp(b->in.src, REM2) ? REM2 : REM;
		else
			si.src = H1;
		build_specs(pr, b, si, so, &in, &want);
		single(&c, &in, &want, EITHER, "outer source %s", si.src);
	}
	cls_end(&c);

	cls_begin(&c, b, pr, "nested ICMP error (quoting an ICMP error: dest unreachable, time exceeded, parameter problem)");
	for (long type = 3; type <= 12; type++) {
		if (type != 3 && type != 11 && type != 12)
			continue;
		build_quote(pr, b, q_nested, type, QUOTE_ALL, &in, &want);
		single(&c, &in, NULL, MUST_NOT, "nested type %ld", type);
	}
	cls_end(&c);

	cls_begin(&c, b, pr, "quoted fragment (a later one: no ports; a first one: translated)");
	build_quote(pr, b, q_u16, (long)(IP_OFF + 6) << 16 | 0x0001, QUOTE_ALL, &in, &want);
	single(&c, &in, NULL, MUST_NOT, "quoted offset 8");
	build_quote(pr, b, q_u16, (long)(IP_OFF + 6) << 16 | 0x2001, QUOTE_ALL, &in, &want);
	single(&c, &in, NULL, MUST_NOT, "quoted MF, offset 8");
	build_quote(pr, b, q_u16, (long)(IP_OFF + 6) << 16 | 0x2000, QUOTE_ALL, &in, &want);
	single(&c, &in, &want, MUST_XLATE, "quoted first fragment");
	cls_end(&c);

	cls_begin(&c, b, pr, "quoted tot_len garbage (0, 1, 20, 65535): translated the same");
	{
		const uint16_t lens[] = { 0, 1, 20, 65535 };

		for (size_t i = 0; i < sizeof(lens) / sizeof(*lens); i++) {
			build_quote(pr, b, q_u16, (long)(IP_OFF + 2) << 16 | lens[i], QUOTE_ALL, &in, &want);
			single(&c, &in, &want, MUST_XLATE, "quoted tot_len %u", lens[i]);
		}
	}
	cls_end(&c);

	cls_begin(&c, b, pr, "quoted IPv4 options (valid kinds)");
	for (long i = 0; i < (long)(sizeof(good_opts) / sizeof(*good_opts)); i++) {
		build_quote(pr, b, q_opts, i, QUOTE_ALL, &in, &want);
		single(&c, &in, &want, MUST_XLATE, "quoted %s", good_opts[i].name);
	}
	cls_end(&c);
}

/* ------------------------------------------------------------ driver */

static bool progs_of(const struct base *b, const struct prog *pr)
{
	return pr->dir == b->dir;
}

/* The undamaged packet: translated exactly, counted; its state becomes s1. */
static bool control(const struct base *b, const struct prog *pr)
{
	struct pkt in, want;
	struct cls c;
	char d[256];

	build(pr, b, &in, &want);
	cls_begin(&c, b, pr, "undamaged (control)");
	in_control = true;
	variant(&c, &in, &want, MUST_XLATE, "undamaged");
	in_control = false;
	*s1 = *cur;
	snap_diff(s1, s0, d, sizeof(d));
	if (!c.fails && c.hist[b->stat] != 1)
		cls_fail(&c, "undamaged", "not counted %s", xnat_stat_name(b->stat));
	settle();
	t_ok(!c.fails, "corpus: %s via %s, undamaged: translated as expected, counted %s%s%s%s%s", b->name, pr->name,
	     xnat_stat_name(b->stat), d[0] ? "; it creates " : "", d, c.fails ? "; " : "", c.why);
	return !c.fails;
}

/*
 * The object again, with small hash tables: walking a hash map visits every
 * bucket, and the corpus walks them all twice per variant. Sizes change
 * nothing the corpus looks at (parsing, translation, what is created).
 */
static int corpus_sizes(struct xnat_bpf *skel, void *arg)
{
	struct bpf_map *map;

	(void)arg;
	bpf_object__for_each_map(map, skel->obj) {
		enum bpf_map_type type = bpf_map__type(map);

		if (type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_LRU_HASH)
			bpf_map__set_max_entries(map, map == skel->maps.xnat_flows ? 1024 : 256);
	}
	return 0;
}

static struct xnat_bpf *corpus_skel(void)
{
	struct xnat_load_opts o = { .prepare = corpus_sizes, .policy = XNAT_LOAD_STRICT };
	struct xnat_load l;

	return xnat_load_object(&o, &l) ? NULL : l.skel;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void test_corpus(void)
{
	struct xnat_bpf *saved = env.skel, *mine = corpus_skel();
	double t0 = now_s();

	if (!mine || xnat_ports_open(bpf_map__fd(mine->maps.xnat_ports), true, &ports_view)) {
		t_ok(false, "corpus: the object loaded with small tables, xnat_ports mapped");
		if (mine)
			xnat_bpf__destroy(mine);
		return;
	}
	env.skel = mine;
	if (!world_setup()) {
		t_ok(false, "corpus: the sessions the corpus needs (H2's ports %u %u %u)", world.pt, world.pu, world.pi);
		goto out;
	}
	bases_build();
	snap_take(s0);
	*cur = *s0;
	stats_now(st_prev);
	for (int i = 0; i < B_N; i++) {
		struct base *b = &bases[i];

		for (size_t p = 0; p < sizeof(progs) / sizeof(*progs); p++) {
			const struct prog *pr = &progs[p];

			if (!progs_of(b, pr) || !control(b, pr))
				continue;
			truncated(b, pr);
			truncated_consistent(b, pr);
			if (b->error)
				cut_quote(b, pr);
			for (int mode = 0; mode < 3; mode++)
				bad_ihl(b, pr, mode);
			ip_options(b, pr, true);
			ip_options(b, pr, false);
			bad_tot_len(b, pr);
			bad_checksums(b, pr);
			if (!b->error)
				fragments(b, pr);
			else
				quote_garbage(b, pr);
		}
	}
	t_note("corpus: %u classes, %u variants run (%u translated), %u refused by BPF_PROG_TEST_RUN, "
	       "%u failed, %.1f s", totals.classes, totals.variants, totals.xlated,
	       totals.refused, totals.failed, now_s() - t0);
out:
	xnat_ports_close(&ports_view);
	env.skel = saved;
	xnat_bpf__destroy(mine);
	env_reset();
}
