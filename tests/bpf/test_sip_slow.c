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
#include "slowrun.h"
#include "harness.h"

#define SIP 5060
#define RTP 40000
#define EXT_LONG "198.51.100.100"
#define CUT 1480 /* IP payload of a first fragment at MTU 1500 */

static char msg[PKT_MAX], msg_want[PKT_MAX];

/* A long INVITE (about 1.7 KiB, as with many codecs): addr/port of the phone. */
static size_t big_invite(char *out, const char *addr, unsigned int port, unsigned int rtp)
{
	char body[1400];
	int b = 0, n;

	b += snprintf(body + b, sizeof(body) - b,
		      "v=0\r\no=- 7 7 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %u RTP/AVP 0 8 9 18 101\r\n",
		      addr, addr, rtp);
	for (int i = 0; i < 16; i++)
		b += snprintf(body + b, sizeof(body) - b, "a=x-codec-preference-%02d:%s\r\n", i,
			      "opus/48000/2 maxplaybackrate=48000;stereo=1");
	n = snprintf(out, PKT_MAX,
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
static int n_got;

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size >= sizeof(struct xnat_slow_frame) && n_got < 4)
		memcpy(&got[n_got], data, sizeof(got[0]));
	n_got++;
	return 0;
}

static int drain(void)
{
	struct ring_buffer *rb;

	n_got = 0;
	rb = ring_buffer__new(bpf_map__fd(env.skel->maps.xnat_slow_frames), on_record, NULL, NULL);
	if (!rb)
		return -1;
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return n_got;
}

static bool record_is(int i, const struct pkt *frame, __u32 ifindex, __u8 dir, __u8 flags)
{
	return i < n_got && got[i].len == frame->len && !memcmp(got[i].frame, frame->buf, frame->len) &&
	       got[i].ifindex == ifindex && got[i].dir == dir && got[i].flags == flags;
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
	t_ok(v == V_TC_SHOT && stat_delta(XNAT_STAT_SLOW_PATH) == 1 && drain() == 1 && got[0].dir == XNAT_DIR_IN &&
	     got[0].flags == 0 && got[0].len == first.len,
	     "first fragment in (TC ingress): handed to xnatd, TTL still to be decremented");
	v = run_tc_ingress(&second, &out);
	t_ok(v == V_TC_SHOT && drain() == 1, "second fragment in (TC ingress): follows");
	consumer_alive(false);
	v = run_tc_ingress(&second, &out);
	t_ok(v == V_TC_OK && stat_delta(XNAT_STAT_XLATE_FRAG) >= 1,
	     "xnatd gone mid-datagram: the later fragment is translated as it is, not lost");
}

void test_sip_slow(void)
{
	no_consumer();
	outbound();
	inbound_tc();
}
