// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <xnat/nat.h>
#include "inet_csum.h"
#include "sip.h"
#include "sip_big.h"
#include "sip_digest.h"
#include "sip_oversize.h"
#include "slowrun.h"

#define ETH_LEN 14
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

/* Where a frame's IPv4 and UDP headers and payload are. Fields are read
 * and written a byte at a time: after Ethernet's 14 bytes the IPv4 header
 * is not 4-byte aligned. */
struct dgram {
	const uint8_t *ip, *udp, *pay;
	uint32_t ihl, pay_len;
};

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static __be32 get_addr(const uint8_t *p) { __be32 a; memcpy(&a, p, 4); return a; }

/* IPv4 header fields, by offset */
#define IP_TOT_LEN 2
#define IP_FRAG 6
#define IP_PROTO 9
#define IP_CSUM 10
#define IP_SADDR 12
#define IP_DADDR 16
/* UDP header fields */
#define UDP_SPORT 0
#define UDP_DPORT 2
#define UDP_LEN 4
#define UDP_CSUM 6
#define UDP_HLEN 8

static int parse(const uint8_t *frame, size_t len, struct dgram *g)
{
	uint32_t tot;

	if (len < ETH_LEN + 20 || frame[12] != 0x08 || frame[13] != 0x00)
		return -1;
	g->ip = frame + ETH_LEN;
	g->ihl = (g->ip[0] & 0xf) * 4u;
	tot = get16(g->ip + IP_TOT_LEN);
	if ((g->ip[0] >> 4) != 4 || g->ihl < 20 || g->ip[IP_PROTO] != IPPROTO_UDP ||
	    (get16(g->ip + IP_FRAG) & (IP_MF | IP_OFFSET)) || tot < g->ihl + UDP_HLEN || ETH_LEN + (size_t)tot > len)
		return -1;
	g->udp = g->ip + g->ihl;
	if (get16(g->udp + UDP_LEN) != tot - g->ihl)
		return -1;
	g->pay = g->udp + UDP_HLEN;
	g->pay_len = tot - g->ihl - UDP_HLEN;
	return 0;
}

int xnat_oversize_wanted(const uint8_t *frame, size_t len)
{
	struct dgram g;

	return !parse(frame, len, &g) && g.pay_len >= XNAT_SIP_MAX;
}

static uint32_t sum_bytes(const uint8_t *p, size_t len, uint32_t sum)
{
	sum = xnat_inet_sum(p, len & ~(size_t)1, sum);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* frame's headers (Ethernet, IP of ihl bytes, UDP) from hdr, with payload
 * pay: lengths and checksums made whole. Returns the frame's length. */
static size_t build(uint8_t *frame, const uint8_t *hdr, uint32_t ihl, const uint8_t *pay, uint32_t pay_len)
{
	uint8_t *ip = frame + ETH_LEN, *udp = ip + ihl;
	uint32_t udp_len = UDP_HLEN + pay_len, sum;
	uint16_t c;

	memmove(frame, hdr, ETH_LEN + ihl + UDP_HLEN);
	memmove(udp + UDP_HLEN, pay, pay_len);
	put16(ip + IP_TOT_LEN, ihl + udp_len);
	put16(ip + IP_FRAG, get16(ip + IP_FRAG) & ~(IP_MF | IP_OFFSET));
	put16(ip + IP_CSUM, 0);
	put16(ip + IP_CSUM, xnat_inet_csum(xnat_inet_sum(ip, ihl, 0)));
	put16(udp + UDP_LEN, udp_len);
	put16(udp + UDP_CSUM, 0);
	sum = sum_bytes(ip + IP_SADDR, 8, 0) + IPPROTO_UDP + udp_len;
	c = xnat_inet_csum(sum_bytes(udp, udp_len, sum));
	put16(udp + UDP_CSUM, c ? c : 0xffff); /* 0 means "no checksum" (RFC 768) */
	return ETH_LEN + ihl + udp_len;
}

static enum xnat_oversize_outcome done(struct xnat_oversize_result *r, enum xnat_oversize_outcome o,
				       const char *why)
{
	r->outcome = o;
	r->why = why;
	return o;
}

enum xnat_oversize_outcome xnat_oversize_translate(const uint8_t *frame, size_t len, int dir,
						   xnat_oversize_run_fn run, void *arg, uint8_t *out,
						   struct xnat_oversize_result *r)
{
	/* The message and its rewrite: the big rewriter reads through index masks. */
	static __u8 msg[XNAT_SIP_BIG_MAX], rewritten[XNAT_SIP_BIG_MAX];
	static __u8 digest[XNAT_SIP_MAX], back[XNAT_SIP_MAX];
	static uint8_t stand_in[XNAT_SLOW_RUN_MAX], ran[XNAT_SLOW_RUN_MAX];
	struct xnat_sip_scan sc, dsc, bsc;
	struct xnat_sip_subst s = { .inbound = dir == XNAT_DIR_IN };
	struct dgram g, o;
	const char *why = NULL;
	size_t stand_len, ran_len;
	__u32 replaced;
	int dlen = -1, n, v;

	memset(r, 0, sizeof(*r));
	if (parse(frame, len, &g) || g.pay_len >= XNAT_SIP_BIG_MAX)
		return done(r, XNAT_OVERSIZE_INVALID, "not a whole UDP datagram");

	/* The message, scanned as the ALG would: ours is the phone's address
	 * going out, the external one coming in. */
	memset(msg, 0, sizeof(msg));
	memcpy(msg, g.pay, g.pay_len);
	s.from_len = xnat_sip_format_addr(get_addr(g.ip + (dir == XNAT_DIR_OUT ? IP_SADDR : IP_DADDR)), s.from);
	xnat_sip_big_scan_matching(msg, g.pay_len, &s, &sc);
	if (!sc.sip)
		why = "not SIP";
	else if (!xnat_sip_scan_rewritable(&sc))
		why = "bad Content-Length";
	if (!why) {
		char match[XNAT_SIP_ADDR_MAX] = { 0 };

		memcpy(match, s.from, s.from_len);
		memset(digest, 0, sizeof(digest));
		dlen = xnat_sip_digest(msg, g.pay_len, &sc, match, (char *)digest, sizeof(digest) - 1);
		if (dlen >= 0)
			xnat_sip_scan_matching(digest, (__u32)dlen, &s, &dsc);
		if (dlen < 0 || !xnat_sip_digest_same(&sc, &dsc)) {
			why = "no digest says what it says";
			dlen = -1;
		}
	}

	/* The stand-in: the same flow, the digest (or nothing) as payload. */
	stand_len = build(stand_in, frame, g.ihl, digest, dlen < 0 ? 0 : (uint32_t)dlen);
	v = run(arg, stand_in, stand_len, ran, &ran_len, &r->meta);
	if (v < 0)
		return done(r, XNAT_OVERSIZE_RUN_FAILED, "run failed");
	if (v != XDP_REDIRECT || !r->meta.out_ifindex)
		return done(r, XNAT_OVERSIZE_NOT_FORWARDED, NULL);
	if (parse(ran, ran_len, &o) || o.pay_len >= XNAT_SIP_MAX)
		return done(r, XNAT_OVERSIZE_RUN_FAILED, "the run returned no datagram");

	n = -1;
	if (!why && o.pay_len == (uint32_t)dlen && !memcmp(o.pay, digest, (size_t)dlen))
		why = "the ALG left it as it was"; /* off for this direction, an ICE phone, ... */
	if (!why) {
		/* What the fast path did: the address and signalling port, then
		 * the media ports its rewrite of the digest shows. */
		__be32 to = get_addr(o.ip + (dir == XNAT_DIR_OUT ? IP_SADDR : IP_DADDR));

		s.to_len = xnat_sip_format_addr(to, s.to);
		s.sig_from = get16(g.udp + (dir == XNAT_DIR_OUT ? UDP_SPORT : UDP_DPORT));
		s.sig_to = get16(o.udp + (dir == XNAT_DIR_OUT ? UDP_SPORT : UDP_DPORT));
		memset(back, 0, sizeof(back));
		memcpy(back, o.pay, o.pay_len);
		xnat_sip_scan(back, o.pay_len, &bsc);
		if (xnat_sip_digest_media(&dsc, &bsc, &s))
			why = "the ALG's answer is not the digest";
	}
	if (!why) {
		n = xnat_sip_big_rewrite(msg, &sc, rewritten, &s, &replaced);
		if (n >= 0 && !replaced)
			why = "nothing of ours in it";
		else if (n < 0 || ETH_LEN + o.ihl + UDP_HLEN + (size_t)n > XNAT_OVERSIZE_FRAME_MAX ||
			 o.ihl + UDP_HLEN + (size_t)n > 0xffff)
			why = "the rewrite does not fit";
	}
	if (why)
		r->out_len = build(out, ran, o.ihl, g.pay, g.pay_len);
	else
		r->out_len = build(out, ran, o.ihl, rewritten, (uint32_t)n);
	return done(r, why ? XNAT_OVERSIZE_UNCHANGED : XNAT_OVERSIZE_REWRITTEN, why);
}
