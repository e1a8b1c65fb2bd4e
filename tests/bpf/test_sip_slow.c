// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SIP split into IP fragments: the fast path hands the fragments to xnatd's
 * ring buffer while xnatd consumes; xnatd's run of the reassembled datagram
 * through the same XDP program (agent/lib/slowrun.c) leaves rewritten, over
 * the MTU, with the egress interface reported; fragments given back are
 * translated as they are. Without a consumer nothing changes.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xnat/slowpath.h>
#include "sip_oversize.h"
#include "slowrun.h"
#include "harness.h"

#define SIP 5060
#define RTP 40000
#define EXT_LONG "198.51.100.100"
#define CUT 1480 /* IP payload of a first fragment at MTU 1500 */

static char msg[PKT_MAX], msg_want[PKT_MAX];

/* A long INVITE (about 1.7 KiB, as with many codecs; more with more lines):
 * addr/port of the phone, rtp its media port, into out (cap bytes). */
static size_t long_invite(char *out, size_t cap, const char *addr, unsigned int port, unsigned int rtp,
			  int lines)
{
	static char body[16384];
	int b = 0, n;

	b += snprintf(body + b, sizeof(body) - b,
		      "v=0\r\no=- 7 7 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %u RTP/AVP 0 8 9 18 101\r\n",
		      addr, addr, rtp);
	for (int i = 0; i < lines; i++)
		b += snprintf(body + b, sizeof(body) - b, "a=x-codec-preference-%02d:%s\r\n", i,
			      "opus/48000/2 maxplaybackrate=48000;stereo=1");
	n = snprintf(out, cap,
		     "INVITE sip:bob@198.51.100.2 SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP %1$s:%2$u;branch=z9hG4bK-big;rport\r\n"
		     "From: <sip:alice@%1$s:%2$u>;tag=9\r\n"
		     "To: <sip:bob@198.51.100.2>\r\n"
		     "Call-ID: big-1@example\r\n"
		     "CSeq: 1 INVITE\r\n"
		     "Contact: <sip:alice@%1$s:%2$u>\r\n"
		     "Content-Type: application/sdp\r\n"
		     "Content-Length: %3$d\r\n\r\n%4$s",
		     addr, port, b, body);
	return (size_t)n;
}

static size_t big_invite(char *out, const char *addr, unsigned int port, unsigned int rtp)
{
	return long_invite(out, PKT_MAX, addr, port, rtp, 16);
}

static void consumer_alive(bool alive)
{
	struct timespec ts;
	struct xnat_slow_state st = { 0 };
	__u32 zero = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (alive)
		st.alive_until = (__u32)ts.tv_sec + XNAT_SLOW_ALIVE_SECS;
	bpf_map_update_elem(bpf_map__fd(env.skel->maps.xnat_slow_state), &zero, &st, BPF_ANY);
}

/* Records taken from the ring by the last drain. */
static struct xnat_slow_frame got[4];
static struct xnat_slow_frame_big got_big; /* the last big one */
static int n_got, n_big;

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size >= sizeof(struct xnat_slow_frame_big)) {
		memcpy(&got_big, data, sizeof(got_big));
		n_big++;
	} else if (size >= sizeof(struct xnat_slow_frame) && n_got < 4) {
		memcpy(&got[n_got], data, sizeof(got[0]));
	}
	n_got++;
	return 0;
}

static int drain(void)
{
	struct ring_buffer *rb;

	n_got = n_big = 0;
	rb = ring_buffer__new(bpf_map__fd(env.skel->maps.xnat_slow_frames), on_record, NULL, NULL);
	if (!rb)
		return -1;
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return n_got;
}

static bool record_is(int i, const struct pkt *frame, __u32 ifindex, __u8 dir, __u8 flags)
{
	return i < n_got && got[i].h.len == frame->len && !memcmp(got[i].frame, frame->buf, frame->len) &&
	       got[i].h.ifindex == ifindex && got[i].h.dir == dir && got[i].h.flags == flags;
}

/* The datagram s, whole, and as two fragments cut after CUT bytes of IP payload. */
static void split(const struct pkt_spec *s, struct pkt *whole, struct pkt *first, struct pkt *second)
{
	struct pkt_spec f = *s;
	const uint8_t *l4 = whole->buf + PKT_L4_OFF;

	pkt_build(whole, s);
	f.frag = 0x2000;
	pkt_build_raw(first, &f, l4, CUT);
	f.frag = CUT / 8;
	pkt_build_raw(second, &f, l4 + CUT, whole->len - PKT_L4_OFF - CUT);
}

static struct pkt_spec big_out(const char *text, size_t len)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, SIP, REM, SIP), MAC_H1);

	s.ip_id = 0x5151;
	s.payload = (const uint8_t *)text;
	s.payload_len = len;
	return s;
}

static void no_consumer(void)
{
	struct pkt whole, first, second, out;
	struct pkt_spec s;

	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	drain();
	s = big_out(msg, big_invite(msg, H1, SIP, RTP));
	split(&s, &whole, &first, &second);
	t_ok(run_xdp_lan(&first, &out) == V_XDP_REDIRECT && stat_delta(XNAT_STAT_SIP_UNCHANGED_FRAGMENT) == 1 &&
	     run_xdp_lan(&second, &out) == V_XDP_REDIRECT && drain() == 0,
	     "sip fragments, xnatd not consuming: translated as they are (sip_unchanged_fragment), nothing handed over");
}

static void outbound(void)
{
	struct pkt whole, first, second, out;
	struct xnat_slow_meta meta;
	struct pkt_spec s, want;
	struct pkt want_pkt;
	uint16_t sig, rtp;
	size_t n, nw;
	int v;

	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	cfg_edit(cfg_set_ext, (long)pkt_addr(EXT_LONG)); /* 14 characters for 12: the datagram grows */
	consumer_alive(true);
	drain();
	n = big_invite(msg, H1, SIP, RTP);
	s = big_out(msg, n);
	split(&s, &whole, &first, &second);
	t_ok(whole.len > 1514, "the INVITE is %zu bytes on the wire: two fragments at MTU 1500", whole.len);

	stat_mark();
	v = run_xdp_lan(&first, &out);
	t_ok(v == V_XDP_DROP && stat_delta(XNAT_STAT_SLOW_PATH) == 1 && drain() == 1 &&
	     record_is(0, &first, (__u32)env.lan_ifindex, XNAT_DIR_OUT, 0),
	     "first fragment (XDP): handed to xnatd as it arrived (ingress, direction), dropped here, to_slow_path");
	stat_mark();
	v = run_xdp_lan(&second, &out);
	t_ok(v == V_XDP_DROP && stat_delta(XNAT_STAT_SLOW_PATH) == 1 && drain() == 1 &&
	     record_is(0, &second, (__u32)env.lan_ifindex, XNAT_DIR_OUT, 0),
	     "second fragment: follows the first one to xnatd");

	/* xnatd's run of the reassembled datagram, twice: the mappings, then the exact packet. */
	v = xnat_slow_run(bpf_program__fd(env.skel->progs.xnat_xdp_lan), (__u32)env.lan_ifindex, 0, whole.buf,
			  whole.len, out.buf, &out.len, &meta);
	sig = eim_port(H1, SIP, IPPROTO_UDP);
	rtp = eim_port(H1, RTP, IPPROTO_UDP);
	t_ok(v == V_XDP_REDIRECT && meta.out_ifindex == (__u32)env.wan_ifindex && meta.stat == XNAT_STAT_XLATE_OUT &&
	     sig && rtp, "xnatd's run of the whole datagram: redirected, WAN reported as its way out, media mapped (%u)",
	     rtp);
	nw = big_invite(msg_want, EXT_LONG, sig, rtp);
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT_LONG;
	want.sport = sig;
	want.payload = (const uint8_t *)msg_want;
	want.payload_len = nw;
	pkt_build(&want_pkt, &want);
	stat_mark();
	v = xnat_slow_run(bpf_program__fd(env.skel->progs.xnat_xdp_lan), (__u32)env.lan_ifindex, 0, whole.buf,
			  whole.len, out.buf, &out.len, &meta);
	t_ok(v == V_XDP_REDIRECT && pkt_same(&out, &want_pkt) && stat_delta(XNAT_STAT_SIP_REWRITTEN) == 1 &&
	     drain() == 0,
	     "the whole datagram leaves rewritten (%zu bytes, +%zu, over the MTU: xnatd fragments it), "
	     "checksums right, not handed over again", out.len, nw - n);

	/* Given back (reassembly gave up): each fragment translated as it is. */
	stat_mark();
	v = xnat_slow_run(bpf_program__fd(env.skel->progs.xnat_xdp_lan), (__u32)env.lan_ifindex,
			  XNAT_SLOW_NO_DIVERT, first.buf, first.len, out.buf, &out.len, &meta);
	t_ok(v == V_XDP_REDIRECT && meta.out_ifindex == (__u32)env.wan_ifindex &&
	     stat_delta(XNAT_STAT_SIP_UNCHANGED_FRAGMENT) == 1 && drain() == 0 && out.len == first.len,
	     "a fragment given back: translated unchanged (sip_unchanged_fragment), not handed over");
	v = run_xdp_lan(&second, &out);
	t_ok(v == V_XDP_REDIRECT && drain() == 0,
	     "after a given-back first fragment the later ones stay in the fast path");
	consumer_alive(false);
}

/* The stack path hands over too: TC ingress (inbound), TTL left to the run. */
static void inbound_tc(void)
{
	struct pkt whole, first, second, out;
	struct pkt_spec s;
	uint16_t sig;
	int v;

	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	/* The phone's signalling mapping, from a first small message. */
	s = big_out("OPTIONS sip:x SIP/2.0\r\n\r\n", 25);
	run_spec(run_xdp_lan, &s, &out);
	sig = eim_port(H1, SIP, IPPROTO_UDP);
	consumer_alive(true);
	drain();
	s = from_wan(flow_spec(IPPROTO_UDP, REM, SIP, EXT, sig), MAC_REM);
	s.ip_id = 0x6161;
	s.payload = (const uint8_t *)msg;
	s.payload_len = big_invite(msg, EXT, sig, RTP);
	split(&s, &whole, &first, &second);
	stat_mark();
	v = run_tc_ingress(&first, &out);
	t_ok(v == V_TC_SHOT && stat_delta(XNAT_STAT_SLOW_PATH) == 1 && drain() == 1 && got[0].h.dir == XNAT_DIR_IN &&
	     got[0].h.flags == 0 && got[0].h.len == first.len,
	     "first fragment in (TC ingress): handed to xnatd, TTL still to be decremented");
	v = run_tc_ingress(&second, &out);
	t_ok(v == V_TC_SHOT && drain() == 1, "second fragment in (TC ingress): follows");
	consumer_alive(false);
	v = run_tc_ingress(&second, &out);
	t_ok(v == V_TC_OK && stat_delta(XNAT_STAT_XLATE_FRAG) >= 1,
	     "xnatd gone mid-datagram: the later fragment is translated as it is, not lost");
}


/* ------------------------------------------------ bigger than the fast path's ALG takes */

/* A frame of any size up to the largest datagram. */
struct big {
	uint8_t buf[XNAT_OVERSIZE_FRAME_MAX];
	size_t len;
};
static struct big big_in, big_got, big_want;
static char text[20000], text_want[20000];

static void be16(uint8_t *b, size_t v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; }

/* s with payload (UDP, no IP options), every length and checksum computed afresh. */
static void big_build(struct big *b, struct pkt_spec s, const char *payload, size_t len)
{
	static struct pkt hdr;
	uint8_t *ip = b->buf + PKT_ETH_LEN, *udp = b->buf + PKT_L4_OFF;
	uint32_t pseudo = 0;
	uint16_t c;

	s.payload = NULL;
	s.payload_len = 0;
	pkt_build(&hdr, &s);
	memcpy(b->buf, hdr.buf, hdr.len);
	memcpy(udp + 8, payload, len);
	b->len = hdr.len + len;
	be16(ip + 2, 20 + 8 + len);
	be16(ip + 10, 0);
	be16(ip + 10, pkt_csum(ip, 20, 0));
	be16(udp + 4, 8 + len);
	be16(udp + 6, 0);
	for (int i = 12; i < 20; i += 2)
		pseudo += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	c = pkt_csum(udp, 8 + len, pseudo + IPPROTO_UDP + 8 + (uint32_t)len);
	be16(udp + 6, c ? c : 0xffff);
}

static int prog_run(void *arg, const uint8_t *frame, size_t len, uint8_t *out, size_t *out_len,
		    struct xnat_slow_meta *meta)
{
	int lan = arg != NULL;

	return xnat_slow_run(bpf_program__fd(lan ? env.skel->progs.xnat_xdp_lan : env.skel->progs.xnat_xdp_wan),
			     (__u32)(lan ? env.lan_ifindex : env.wan_ifindex), XNAT_SLOW_NO_DIVERT, frame, len, out,
			     out_len, meta);
}

static enum xnat_oversize_outcome oversize_out(struct xnat_oversize_result *r)
{
	return xnat_oversize_translate(big_in.buf, big_in.len, XNAT_DIR_OUT, prog_run, (void *)1, big_got.buf, r);
}

/* A 3.5 KB INVITE (RFC 4475's longreq is 3,512 B) and one of 8 KB, going
 * out. A static forward holds EXT:5060 and EXT:40000 for H2: the phone's
 * signalling and media ports move, so a port left unchanged shows. */
static void oversize_outbound(void)
{
	struct xnat_oversize_result r;
	struct pkt_spec s, want;
	uint16_t sig, rtp;
	int sizes[] = { 45, 110 };

	for (unsigned int k = 0; k < 2; k++) {
		size_t n, nw;

		env_reset();
		cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
		cfg_edit(cfg_set_ext, (long)pkt_addr(EXT_LONG));
		add_forward(IPPROTO_UDP, SIP, H2, SIP, XNAT_OWNER_STATIC);
		add_forward(IPPROTO_UDP, RTP, H2, RTP, XNAT_OWNER_STATIC);
		n = long_invite(text, sizeof(text), H1, SIP, RTP, sizes[k]);
		s = big_out(text, n);
		big_build(&big_in, s, text, n);
		t_ok(xnat_oversize_wanted(big_in.buf, big_in.len) && n >= 2048,
		     "a %zu-byte INVITE: more than the fast path's ALG takes", n);
		stat_mark();
		oversize_out(&r);
		sig = eim_port(H1, SIP, IPPROTO_UDP);
		rtp = eim_port(H1, RTP, IPPROTO_UDP);
		nw = long_invite(text_want, sizeof(text_want), EXT_LONG, sig, rtp, sizes[k]);
		want = forwarded(s, MAC_GW_WAN, MAC_REM);
		want.src = EXT_LONG;
		want.sport = sig;
		big_build(&big_want, want, text_want, nw);
		t_ok(r.outcome == XNAT_OVERSIZE_REWRITTEN && r.meta.out_ifindex == (__u32)env.wan_ifindex && sig &&
		     sig != SIP && rtp && rtp != RTP &&
		     r.out_len == big_want.len && !memcmp(big_got.buf, big_want.buf, big_want.len) &&
		     stat_delta(XNAT_STAT_SIP_MEDIA_MAPPED) == 2 && stat_delta(XNAT_STAT_SIP_UNCHANGED_TOO_BIG) == 0,
		     "%zu bytes: leaves as the exact packet (%zu bytes: the external address, signalling port %u and "
		     "media port %u everywhere, Content-Length, checksums), RTP and RTCP mapped by the fast path",
		     n, r.out_len, sig, rtp);
	}
}

/* The 200 OK coming in: the public media port goes back to the phone's. */
static void oversize_inbound(void)
{
	struct xnat_oversize_result r;
	struct pkt_spec s, want;
	uint16_t sig, rtp;
	size_t n, nw;

	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	add_forward(IPPROTO_UDP, SIP, H2, SIP, XNAT_OWNER_STATIC);
	add_forward(IPPROTO_UDP, RTP, H2, RTP, XNAT_OWNER_STATIC);
	n = long_invite(text, sizeof(text), H1, SIP, RTP, 36);
	big_build(&big_in, big_out(text, n), text, n);
	oversize_out(&r);
	sig = eim_port(H1, SIP, IPPROTO_UDP);
	rtp = eim_port(H1, RTP, IPPROTO_UDP);
	/* the same text, as if the phone's own SDP came back (the port tables are what counts) */
	n = long_invite(text, sizeof(text), EXT, sig, rtp, 36);
	s = from_wan(flow_spec(IPPROTO_UDP, REM, SIP, EXT, sig), MAC_REM);
	big_build(&big_in, s, text, n);
	stat_mark();
	xnat_oversize_translate(big_in.buf, big_in.len, XNAT_DIR_IN, prog_run, NULL, big_got.buf, &r);
	nw = long_invite(text_want, sizeof(text_want), H1, SIP, RTP, 36);
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1;
	want.dport = SIP;
	big_build(&big_want, want, text_want, nw);
	t_ok(r.outcome == XNAT_OVERSIZE_REWRITTEN && r.meta.out_ifindex == (__u32)env.lan_ifindex && sig != SIP &&
	     rtp != RTP && r.out_len == big_want.len && !memcmp(big_got.buf, big_want.buf, big_want.len),
	     "a %zu-byte message in: reaches the phone as the exact packet (its address, port %u and media port %u "
	     "back from %u and %u)", n, SIP, RTP, sig, rtp);
}

/* What the fast path would leave alone stays as it came, translated, and counted. */
static void oversize_unchanged(void)
{
	static const char *const cases[] = { "ice", "not-sip", "alg-off", "call-id" };
	struct xnat_oversize_result r;
	size_t n;

	for (unsigned int k = 0; k < 4; k++) {
		const char *c = cases[k];

		env_reset();
		cfg_edit(cfg_set_sip, strcmp(c, "alg-off") ? XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN : XNAT_SIP_DIR_IN);
		n = long_invite(text, sizeof(text), H1, SIP, RTP, 36);
		if (!strcmp(c, "ice"))
			memcpy(strstr(text, "a=x-codec"), "a=candidate", 11);
		else if (!strcmp(c, "not-sip"))
			memcpy(text, "INV(ITE", 7);
		else if (!strcmp(c, "call-id")) {
			/* A Call-ID of 2,000 bytes: no digest holds it. */
			char *v = strstr(text, "big-1@example");

			memmove(v + 2000, v, n - (size_t)(v - text) + 1);
			memset(v, 'c', 2000);
			n += 2000;
		}
		big_build(&big_in, big_out(text, n), text, n);
		stat_mark();
		oversize_out(&r);
		t_ok(r.outcome == XNAT_OVERSIZE_UNCHANGED && r.why && r.meta.out_ifindex == (__u32)env.wan_ifindex &&
		     r.out_len == big_in.len && !memcmp(big_got.buf + PKT_L4_OFF + 8, text, n) &&
		     memcmp(big_got.buf, big_in.buf, PKT_L4_OFF) && eim_port(H1, SIP, IPPROTO_UDP) &&
		     !eim_port(H1, RTP, IPPROTO_UDP),
		     "%s: translated, the message as it came, no media mapped (%s)", c, r.why ? r.why : "?");
	}
}

/* A whole datagram off the wire (no IP fragments: links with a larger MTU)
 * whose message is too big for the ALG: handed to xnatd in a big record. */
static int run_big(struct bpf_program *prog, int ifindex, const struct big *in)
{
	static uint8_t out[XNAT_SLOW_RUN_MAX + 512];
	struct xdp_md ctx = { .data_end = (__u32)in->len, .ingress_ifindex = (__u32)ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->buf, .data_size_in = (__u32)in->len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	if (ifindex) {
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	return bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) ? -1 : (int)opts.retval;
}

static void whole_datagram(void)
{
	struct pkt_spec s;
	size_t n;
	int v;

	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	/* The WAN's MTU takes the datagram whole (else XDP leaves it to the
	 * stack, which fragments it). */
	if (system("ip link set xw mtu 9000 && ip link set xw2 mtu 9000"))
		t_note("xw's MTU stays 1500");
	n = long_invite(text, sizeof(text), H1, SIP, RTP, 40);
	big_build(&big_in, big_out(text, n), text, n);
	drain();
	stat_mark();
	v = run_big(env.skel->progs.xnat_xdp_lan, env.lan_ifindex, &big_in);
	t_ok(v == V_XDP_PASS || v == V_XDP_REDIRECT, "xnatd not consuming: a whole %zu-byte INVITE goes on", n);
	t_ok(stat_delta(XNAT_STAT_SIP_UNCHANGED_TOO_BIG) == 1 && drain() == 0,
	     "... unchanged, counted (sip_unchanged_too_big), nothing handed over");
	consumer_alive(true);
	stat_mark();
	v = run_big(env.skel->progs.xnat_xdp_lan, env.lan_ifindex, &big_in);
	t_ok(v == V_XDP_DROP && stat_delta(XNAT_STAT_SLOW_PATH) == 1 && drain() == 1 && n_big == 1 &&
	     got_big.h.len == big_in.len && !memcmp(got_big.frame, big_in.buf, big_in.len) &&
	     got_big.h.ifindex == (__u32)env.lan_ifindex && got_big.h.dir == XNAT_DIR_OUT &&
	     stat_delta(XNAT_STAT_SIP_UNCHANGED_TOO_BIG) == 0,
	     "xnatd consuming: the whole %zu-byte frame goes to it in a big record (XDP), dropped here", big_in.len);
	s = from_wan(flow_spec(IPPROTO_UDP, REM, SIP, EXT, eim_port(H1, SIP, IPPROTO_UDP)), MAC_REM);
	big_build(&big_in, s, text, n);
	stat_mark();
	v = run_big(env.skel->progs.xnat_tc_ingress, 0, &big_in);
	t_ok(v == V_TC_SHOT && stat_delta(XNAT_STAT_SLOW_PATH) == 1 && drain() == 1 && n_big == 1 &&
	     got_big.h.len == big_in.len && got_big.h.dir == XNAT_DIR_IN,
	     "the same coming in through TC ingress: handed over whole, dropped here");
	consumer_alive(false);
	if (system("ip link set xw mtu 1500 && ip link set xw2 mtu 1500"))
		t_note("xw's MTU stays 9000");
}

void test_sip_slow(void)
{
	no_consumer();
	outbound();
	inbound_tc();
	oversize_outbound();
	oversize_inbound();
	oversize_unchanged();
	whole_datagram();
}
