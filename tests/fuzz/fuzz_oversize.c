// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for xnatd's path for SIP messages too big for the fast
 * path (agent/lib/sip_oversize.c, sip_digest.c, sip_big.c): what a LAN host
 * or the WAN sends, reassembled. The input's first byte picks the direction
 * and what the fast path does; the rest is the UDP payload, framed in
 * Ethernet, IPv4 and UDP. The fast path's run is played here by
 * fake_run(): it translates the stand-in's headers as the NAT would and,
 * with the ALG on, rewrites its digest with the rewriter the ALG runs,
 * every media port of the phone moved by 1000. Checked beyond "no crash":
 * - a frame sent is whole IPv4/UDP: lengths, both checksums, the
 *   translated addresses and ports;
 * - left unchanged, its payload is the input's byte for byte;
 * - rewritten (going out): sip_props() on the message (no private address
 *   outside Call-ID, Content-Length, lines untouched, bytes after the body).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <xnat/nat.h>
#include "sip.h"
#include "sip_big.h"
#include "sip_oversize.h"
#include "sip_props.h"
#include "slowrun.h"

#define PHONE "192.168.1.10"
#define EXT "203.0.113.200"
#define REMOTE "198.51.100.2"

struct run_opts {
	int alg;     /* rewrite the digest */
	int verdict; /* what the run returns */
};

static uint16_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void be16(uint8_t *p, size_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }

/* eth + IPv4 (20) + UDP + payload into f; returns the frame's length. */
static size_t frame(uint8_t *f, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		    const uint8_t *pay, size_t n)
{
	uint8_t *ip = f + 14, *udp = ip + 20;

	memset(f, 0, 14 + 28);
	f[12] = 0x08;
	ip[0] = 0x45, ip[8] = 64, ip[9] = 17;
	be16(ip + 2, 28 + n);
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	be16(ip + 10, (uint16_t)~sum16(ip, 20, 0));
	be16(udp, sport), be16(udp + 2, dport), be16(udp + 4, 8 + n);
	memmove(udp + 8, pay, n);
	return 14 + 28 + n;
}

static int fake_run(void *arg, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len,
		    struct xnat_slow_meta *meta)
{
	static __u8 msg[XNAT_SIP_MAX], rew[XNAT_SIP_MAX + 1];
	const struct run_opts *o = arg;
	const uint8_t *ip = in + 14;
	size_t n = len - 42;
	char src[16], dst[16];
	uint16_t sport = (uint16_t)(ip[20] << 8 | ip[21]), dport = (uint16_t)(ip[22] << 8 | ip[23]);
	int out_dir = !memcmp(ip + 12, "\xc0\xa8\x01\x0a", 4);
	const uint8_t *pay = ip + 28;

	if (len < 42 || len > XNAT_SLOW_RUN_MAX || (ip[6] & 0x3f) || n != (size_t)((ip[2] << 8 | ip[3]) - 28))
		abort(); /* the stand-in is a whole, small datagram */
	memset(meta, 0, sizeof(*meta));
	if (o->verdict != XDP_REDIRECT)
		return o->verdict;
	inet_ntop(AF_INET, ip + 12, src, sizeof(src));
	inet_ntop(AF_INET, ip + 16, dst, sizeof(dst));
	if (o->alg && n) {
		struct xnat_sip_subst s = { .inbound = !out_dir };
		struct xnat_sip_scan sc;
		int r;

		memset(msg, 0, sizeof(msg));
		memcpy(msg, pay, n);
		s.from_len = (__u32)strlen(out_dir ? PHONE : EXT);
		memcpy(s.from, out_dir ? PHONE : EXT, s.from_len);
		s.to_len = (__u32)strlen(out_dir ? EXT : PHONE);
		memcpy(s.to, out_dir ? EXT : PHONE, s.to_len);
		s.sig_from = out_dir ? sport : dport;
		s.sig_to = out_dir ? 40000 : 5060;
		xnat_sip_scan_matching(msg, (__u32)n, &s, &sc);
		for (__u32 i = 0; i < sc.n_media && s.n_media + 1 < XNAT_SIP_MAX_SUBST; i++) {
			if (!xnat_sip_media_ours(&sc, i))
				continue;
			s.media_from[s.n_media] = sc.media[i], s.media_to[s.n_media++] = (__u16)(sc.media[i] + 1000);
			if (sc.rtcp[i])
				s.media_from[s.n_media] = sc.rtcp[i], s.media_to[s.n_media++] = (__u16)(sc.rtcp[i] + 1000);
		}
		r = xnat_sip_rewrite(msg, &sc, rew, &s, NULL);
		if (r > 0) {
			pay = rew;
			n = (size_t)r;
		}
	}
	if (out_dir)
		*out_len = frame(out, EXT, 40000, dst, dport, pay, n);
	else
		*out_len = frame(out, src, sport, PHONE, 5060, pay, n);
	meta->magic = XNAT_SLOW_MAGIC;
	meta->out_ifindex = 2;
	return XDP_REDIRECT;
}

/* A frame sent: whole IPv4/UDP, both checksums right, translated. */
static void check_frame(const uint8_t *f, size_t len, int out_dir)
{
	const uint8_t *ip = f + 14, *udp = ip + 20;
	uint8_t want[4];
	uint32_t pseudo;

	if (len < 42 || len > XNAT_OVERSIZE_FRAME_MAX || (size_t)(ip[2] << 8 | ip[3]) != len - 14 ||
	    (size_t)(udp[4] << 8 | udp[5]) != len - 34 || sum16(ip, 20, 0) != 0xffff)
		abort();
	pseudo = (uint32_t)sum16(ip + 12, 8, 0) + 17 + (uint32_t)(len - 34);
	if (sum16(udp, len - 34, pseudo) != 0xffff)
		abort();
	inet_pton(AF_INET, out_dir ? EXT : PHONE, want);
	if (memcmp(out_dir ? ip + 12 : ip + 16, want, 4))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t in[XNAT_OVERSIZE_FRAME_MAX], out[XNAT_OVERSIZE_FRAME_MAX];
	static __u8 big[XNAT_SIP_BIG_MAX];
	struct run_opts o;
	struct xnat_oversize_result r;
	enum xnat_oversize_outcome oc;
	int out_dir;
	size_t len, n;

	if (size < 1 || size - 1 > 65000)
		return 0;
	out_dir = !(data[0] & 1);
	o.alg = !(data[0] & 2);
	o.verdict = (data[0] & 12) == 12 ? XDP_PASS : (data[0] & 12) == 8 ? -22 : XDP_REDIRECT;
	n = size - 1;
	if (out_dir)
		len = frame(in, PHONE, 5060, REMOTE, 5060, data + 1, n);
	else
		len = frame(in, REMOTE, 5060, EXT, 40000, data + 1, n);
	(void)xnat_oversize_wanted(in, len);
	oc = xnat_oversize_translate(in, len, out_dir ? XNAT_DIR_OUT : XNAT_DIR_IN, fake_run, &o, out, &r);
	if (oc != r.outcome || oc > XNAT_OVERSIZE_RUN_FAILED)
		abort();
	if (oc == XNAT_OVERSIZE_REWRITTEN || oc == XNAT_OVERSIZE_UNCHANGED) {
		check_frame(out, r.out_len, out_dir);
		if (oc == XNAT_OVERSIZE_UNCHANGED && (r.out_len != len || memcmp(out + 42, data + 1, n) || !r.why))
			abort();
	}
	if (oc == XNAT_OVERSIZE_REWRITTEN && out_dir) {
		struct xnat_sip_subst s = { .from_len = sizeof(PHONE) - 1 };
		struct xnat_sip_scan sc;

		memcpy(s.from, PHONE, s.from_len);
		memset(big, 0, sizeof(big));
		memcpy(big, data + 1, n);
		xnat_sip_big_scan_matching(big, (__u32)n, &s, &sc);
		sip_props(big, &sc, out + 42, r.out_len - 42, &s);
	}
	return 0;
}
