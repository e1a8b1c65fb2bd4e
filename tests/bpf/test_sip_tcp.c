// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SIP over TCP in the fast path: a segment holding one whole message is
 * rewritten (the packet grows or shrinks), and from then on the sequence
 * numbers of that side and the acknowledgements of the other are moved by
 * the change, both ways, as the exact packets show; a retransmission moves
 * nothing twice; SYNs lose SACK-permitted; half a message is left alone.
 */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include "harness.h"

#define SIP 5060
#define EXT_LONG "198.51.100.100" /* 14 characters for H1's 12 */

static char msg[PKT_MAX], want_msg[PKT_MAX];

/* Linux's SYN options: MSS, SACK-permitted, timestamps, NOP, window scale. */
static const uint8_t syn_opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7 };
static const uint8_t syn_opts_nosack[20] = { 2, 4, 0x05, 0xb4, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7 };

static size_t invite(char *out, const char *addr, unsigned int port)
{
	static const char body_fmt[] = "v=0\r\no=- 1 1 IN IP4 %1$s\r\ns=-\r\nc=IN IP4 %1$s\r\nt=0 0\r\n"
				       "m=audio 49170 RTP/AVP 0\r\n";
	char body[256];
	int b = snprintf(body, sizeof(body), body_fmt, addr);

	return (size_t)snprintf(out, PKT_MAX,
				"INVITE sip:bob@198.51.100.2;transport=tcp SIP/2.0\r\n"
				"Via: SIP/2.0/TCP %1$s:%2$u;branch=z9hG4bK-t1\r\n"
				"From: <sip:alice@%1$s:%2$u;transport=tcp>;tag=1\r\n"
				"To: <sip:bob@198.51.100.2>\r\n"
				"Call-ID: tcp-call-1\r\n"
				"CSeq: 1 INVITE\r\n"
				"Contact: <sip:alice@%1$s:%2$u;transport=tcp>\r\n"
				"Content-Type: application/sdp\r\n"
				"Content-Length: %3$d\r\n\r\n%4$s",
				addr, port, b, body);
}

static size_t ok_resp(char *out, const char *addr, unsigned int port)
{
	return (size_t)snprintf(out, PKT_MAX,
				"SIP/2.0 180 Ringing\r\n"
				"Via: SIP/2.0/TCP %1$s:%2$u;branch=z9hG4bK-t1;received=%1$s\r\n"
				"From: <sip:alice@%1$s:%2$u;transport=tcp>;tag=1\r\n"
				"To: <sip:bob@198.51.100.2>;tag=2\r\n"
				"Call-ID: tcp-call-1\r\n"
				"CSeq: 1 INVITE\r\n"
				"Content-Length: 0\r\n\r\n",
				addr, port);
}

static struct pkt_spec seg_out(uint32_t seq, uint32_t ack, const char *text, size_t len)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_TCP, H1, SIP, REM, SIP), MAC_H1);

	s.tcp_flags = TH_ACK | 0x08 /* PSH */;
	s.tcp_seq = seq;
	s.tcp_ack = ack;
	s.payload = (const uint8_t *)text;
	s.payload_len = len;
	return s;
}

static struct pkt_spec seg_in(uint16_t ext_port, uint32_t seq, uint32_t ack, const char *text, size_t len)
{
	struct pkt_spec s = from_wan(flow_spec(IPPROTO_TCP, REM, SIP, EXT_LONG, ext_port), MAC_REM);

	s.tcp_flags = TH_ACK | 0x08;
	s.tcp_seq = seq;
	s.tcp_ack = ack;
	s.payload = (const uint8_t *)text;
	s.payload_len = len;
	return s;
}

/* XDP forwards (TTL, Ethernet); TC only translates (the stack forwards). */
static bool via_xdp;

/* As it leaves for the WAN: source the external address and port. */
static struct pkt_spec out_want(struct pkt_spec s, uint16_t ext_port)
{
	if (via_xdp)
		s = forwarded(s, MAC_GW_WAN, MAC_REM);
	s.src = EXT_LONG;
	s.sport = ext_port;
	return s;
}

static struct pkt_spec in_want(struct pkt_spec s)
{
	if (via_xdp)
		s = forwarded(s, MAC_GW_LAN, MAC_H1);
	s.dst = H1;
	s.dport = SIP;
	return s;
}

static void call_over_tcp(run_fn lan, int lan_verdict, run_fn wan, int wan_verdict, const char *how)
{
	const uint32_t S = 1000, W = 7000000;
	struct pkt_spec s, w;
	uint16_t port;
	size_t n, nw, r, rw, n_inv;
	int d_out, d_in;

	via_xdp = lan == run_xdp_lan;
	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	cfg_edit(cfg_set_ext, (long)pkt_addr(EXT_LONG));

	/* The handshake: SACK-permitted taken out of both SYNs. */
	s = from_lan(flow_spec(IPPROTO_TCP, H1, SIP, REM, SIP), MAC_H1);
	s.tcp_seq = S - 1;
	s.tcp_opts = syn_opts;
	s.tcp_opt_len = sizeof(syn_opts);
	run_spec(lan, &s, &(struct pkt){ 0 });
	port = eim_port(H1, SIP, IPPROTO_TCP);
	w = out_want(s, port);
	w.tcp_opts = syn_opts_nosack;
	t_ok(port && expect(lan, &s, lan_verdict, &w, NULL),
	     "sip/tcp SYN out (%s): SACK-permitted became two NOPs, checksum right", how);
	s = from_wan(flow_spec(IPPROTO_TCP, REM, SIP, EXT_LONG, port), MAC_REM);
	s.tcp_flags = TH_SYN | TH_ACK;
	s.tcp_seq = W - 1;
	s.tcp_ack = S;
	s.tcp_opts = syn_opts;
	s.tcp_opt_len = sizeof(syn_opts);
	w = in_want(s);
	w.tcp_opts = syn_opts_nosack;
	t_ok(expect(wan, &s, wan_verdict, &w, NULL), "sip/tcp SYN-ACK in (%s): SACK-permitted taken out too", how);

	/* The INVITE grows: 4 addresses, 2 bytes each. */
	n = invite(msg, H1, SIP);
	nw = invite(want_msg, EXT_LONG, port);
	d_out = (int)(nw - n);
	n_inv = n;
	s = seg_out(S, W, msg, n);
	w = out_want(s, port);
	w.payload = (const uint8_t *)want_msg;
	w.payload_len = nw;
	t_ok(expect(lan, &s, lan_verdict, &w, NULL) && stat_delta(XNAT_STAT_SIP_REWRITTEN) == 1,
	     "sip/tcp INVITE out (%s): rewritten, +%d bytes, its own seq %u unchanged", how, d_out, S);
	t_ok(expect(lan, &s, lan_verdict, &w, NULL),
	     "sip/tcp INVITE retransmitted (%s): the same packet, the change not counted twice", how);

	/* The peer acknowledges the grown stream: the phone sees its own numbers. */
	s = seg_in(port, W, S + (uint32_t)nw, "", 0);
	w = in_want(s);
	w.tcp_ack = S + (uint32_t)n;
	t_ok(expect(wan, &s, wan_verdict, &w, NULL), "sip/tcp ACK in (%s): ack %u becomes %u", how,
	     S + (unsigned int)nw, S + (unsigned int)n);

	/* The peer's 180 shrinks (its Via and From carry our external address). */
	r = ok_resp(msg, EXT_LONG, port);
	rw = ok_resp(want_msg, H1, SIP);
	d_in = (int)(rw - r);
	s = seg_in(port, W, S + (uint32_t)nw, msg, r);
	w = in_want(s);
	w.tcp_ack = S + (uint32_t)n;
	w.payload = (const uint8_t *)want_msg;
	w.payload_len = rw;
	t_ok(expect(wan, &s, wan_verdict, &w, NULL),
	     "sip/tcp 180 in (%s): rewritten, %d bytes, ack moved back", how, d_in);

	/* The phone's next segment and its acknowledgement of the shrunk stream. */
	n = (size_t)snprintf(msg, sizeof(msg), "\r\n\r\n"); /* a keep-alive (RFC 5626): left alone */
	s = seg_out(S + (uint32_t)n_inv, W + (uint32_t)rw, msg, n);
	w = out_want(s, port);
	w.tcp_seq = s.tcp_seq + (uint32_t)d_out;
	w.tcp_ack = W + (uint32_t)r;
	t_ok(expect(lan, &s, lan_verdict, &w, NULL) && stat_delta(XNAT_STAT_SIP_UNCHANGED_TCP_SPLIT) == 0,
	     "sip/tcp keep-alive out (%s): seq +%d, ack of the peer's stream %+d, not counted as a split",
	     how, d_out, -d_in);
	/* The peer's next segment. */
	s = seg_in(port, W + (uint32_t)r, S + (uint32_t)nw + (uint32_t)n, "", 0);
	w = in_want(s);
	w.tcp_seq = W + (uint32_t)rw;
	w.tcp_ack = S + (uint32_t)n_inv + (uint32_t)n;
	t_ok(expect(wan, &s, wan_verdict, &w, NULL), "sip/tcp next segment in (%s): seq %+d", how, d_in);
}

/*
 * Several messages in one segment (Nagle's coalescing, a busy proxy): each
 * whole one is rewritten, a keep-alive between them and half a message at
 * the end go on as they came, and the connection's numbers move by the sum.
 */
static void several_messages(run_fn lan, int lan_verdict, run_fn wan, int wan_verdict, const char *how)
{
	static char a[PKT_MAX], b[PKT_MAX];
	const uint32_t S = 50000, W = 90000;
	size_t na, nb, nwa, nwb, half, n, nw;
	struct pkt_spec s, w;
	uint16_t port;
	int d;

	via_xdp = lan == run_xdp_lan;
	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	cfg_edit(cfg_set_ext, (long)pkt_addr(EXT_LONG));
	s = seg_out(S - 1, W, "", 0);
	run_spec(lan, &s, &(struct pkt){ 0 });
	port = eim_port(H1, SIP, IPPROTO_TCP);

	/* out: INVITE, CRLFCRLF, a response, then the first 100 bytes of another INVITE */
	na = invite(a, H1, SIP);
	nb = ok_resp(b, H1, SIP);
	half = 100;
	n = (size_t)snprintf(msg, sizeof(msg), "%s\r\n\r\n%s%.*s", a, b, (int)half, a);
	nwa = invite(a, EXT_LONG, port);
	nwb = ok_resp(b, EXT_LONG, port);
	(void)invite(want_msg + 1024, H1, SIP); /* the half goes on as the phone wrote it */
	nw = (size_t)snprintf(want_msg, 1024, "%s\r\n\r\n%s", a, b);
	memcpy(want_msg + nw, want_msg + 1024, half);
	nw += half;
	d = (int)(nwa - na + nwb - nb);
	s = seg_out(S, W, msg, n);
	w = out_want(s, port);
	w.payload = (const uint8_t *)want_msg;
	w.payload_len = nw;
	t_ok(expect(lan, &s, lan_verdict, &w, NULL) && stat_delta(XNAT_STAT_SIP_REWRITTEN) == 2 &&
	     stat_delta(XNAT_STAT_SIP_UNCHANGED_TCP_SPLIT) == 1,
	     "sip/tcp two messages, a keep-alive and half a message in one segment out (%s): both rewritten (%+d), "
	     "the rest as it came (sip_unchanged_tcp_split once)", how, d);

	/* the phone's next segment: its numbers moved by both messages' change */
	s = seg_out(S + (uint32_t)n, W, "", 0);
	w = out_want(s, port);
	w.tcp_seq = S + (uint32_t)n + (uint32_t)d;
	t_ok(expect(lan, &s, lan_verdict, &w, NULL), "sip/tcp next segment out (%s): seq %+d", how, d);

	/* in: a 180 and a 200 in one segment, both turned back to the phone's address */
	na = ok_resp(a, EXT_LONG, port);
	n = (size_t)snprintf(msg, sizeof(msg), "%s%s", a, a);
	nwa = ok_resp(a, H1, SIP);
	nw = (size_t)snprintf(want_msg, sizeof(want_msg), "%s%s", a, a);
	s = seg_in(port, W, S + (uint32_t)(n + (size_t)d), msg, n);
	w = in_want(s);
	w.tcp_ack = S + (uint32_t)n;
	w.payload = (const uint8_t *)want_msg;
	w.payload_len = nw;
	t_ok(expect(wan, &s, wan_verdict, &w, NULL) && stat_delta(XNAT_STAT_SIP_REWRITTEN) == 2,
	     "sip/tcp two responses in one segment in (%s): both rewritten (%+d), ack moved back", how,
	     (int)(nw - n));
}

/* Half a message in a segment: left as it is (nothing moves), still translated. */
static void split_message(void)
{
	struct pkt_spec s, w;
	uint16_t port;
	size_t n;

	via_xdp = true;
	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	cfg_edit(cfg_set_ext, (long)pkt_addr(EXT_LONG));
	n = invite(msg, H1, SIP);
	s = seg_out(1, 1, msg, n - 20);
	run_spec(run_xdp_lan, &s, &(struct pkt){ 0 });
	port = eim_port(H1, SIP, IPPROTO_TCP);
	w = out_want(s, port);
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &w, NULL) &&
	     stat_delta(XNAT_STAT_SIP_UNCHANGED_TCP_SPLIT) == 1 && stat_delta(XNAT_STAT_SIP_REWRITTEN) == 0 &&
	     map_entries(env.skel->maps.xnat_sip_seqadj) == 0,
	     "sip/tcp half a message: translated, not rewritten, no sequence change (sip_unchanged_tcp_split)");
}

void test_sip_tcp(void)
{
	call_over_tcp(run_xdp_lan, V_XDP_REDIRECT, run_xdp_wan, V_XDP_REDIRECT, "XDP");
	call_over_tcp(run_tc_egress, V_TC_OK, run_tc_ingress, V_TC_OK, "TC");
	split_message();
	several_messages(run_xdp_lan, V_XDP_REDIRECT, run_xdp_wan, V_XDP_REDIRECT, "XDP");
	several_messages(run_tc_egress, V_TC_OK, run_tc_ingress, V_TC_OK, "TC");
}
