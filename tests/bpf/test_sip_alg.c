// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The SIP ALG in the fast path: the exact packet that leaves for each kind of
 * message (addresses, signalling and media ports, Content-Length, IP and UDP
 * lengths, checksums computed afresh by pkt.c), the media mappings made
 * before the message leaves, the dialog's life, and the messages left alone.
 */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "sip.h"
#include "harness.h"

#define SIP 5060
#define RTP 49170

static char msg_in[PKT_MAX], msg_want[PKT_MAX];

/* head (printf format) + "Content-Length: N" + blank line + body. */
static size_t sip_msg(char *out, const char *body, const char *head_fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, head_fmt);
	n = vsnprintf(out, PKT_MAX, head_fmt, ap);
	va_end(ap);
	n += snprintf(out + n, PKT_MAX - n, "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	return (size_t)n;
}

static const char invite_head[] =
	"INVITE sip:bob@198.51.100.2 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP %1$s:%2$u;branch=z9hG4bK-1;rport\r\n"
	"From: <sip:alice@%1$s:%2$u>;tag=1\r\n"
	"To: <sip:bob@198.51.100.2>\r\n"
	"Call-ID: call-1@192.168.1.10\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:alice@%1$s:%2$u>\r\n"
	"Content-Type: application/sdp\r\n";
static const char offer_fmt[] =
	"v=0\r\n"
	"o=- 1 1 IN IP4 %1$s\r\n"
	"s=-\r\n"
	"c=IN IP4 %1$s\r\n"
	"t=0 0\r\n"
	"m=audio %2$u RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";

/* The 200 OK from the callee: its own SDP, our Via and Contact back. */
static const char ok_head[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP %1$s:%2$u;branch=z9hG4bK-1;rport=%2$u;received=%1$s\r\n"
	"From: <sip:alice@%1$s:%2$u>;tag=1\r\n"
	"To: <sip:bob@198.51.100.2>;tag=2\r\n"
	"Call-ID: call-1@192.168.1.10\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:bob@198.51.100.2:5060>\r\n"
	"Content-Type: application/sdp\r\n";
static const char answer[] =
	"v=0\r\n"
	"o=- 2 2 IN IP4 198.51.100.2\r\n"
	"s=-\r\n"
	"c=IN IP4 198.51.100.2\r\n"
	"t=0 0\r\n"
	"m=audio 7000 RTP/AVP 0\r\n";

static const char bye_head[] =
	"BYE sip:bob@198.51.100.2:5060 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP %1$s:%2$u;branch=z9hG4bK-3;rport\r\n"
	"From: <sip:alice@%1$s:%2$u>;tag=1\r\n"
	"To: <sip:bob@198.51.100.2>;tag=2\r\n"
	"Call-ID: call-1@192.168.1.10\r\n"
	"CSeq: 2 BYE\r\n";

static struct pkt_spec sip_out(const char *msg, size_t len)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, SIP, REM, SIP), MAC_H1);

	s.payload = (const uint8_t *)msg;
	s.payload_len = len;
	return s;
}

static struct pkt_spec sip_in(const char *ext, uint16_t ext_port, const char *msg, size_t len)
{
	struct pkt_spec s = from_wan(flow_spec(IPPROTO_UDP, REM, SIP, ext, ext_port), MAC_REM);

	s.payload = (const uint8_t *)msg;
	s.payload_len = len;
	return s;
}

/* The dialog of a message's Call-ID for the phone H1. */
static bool dialog_of(const char *msg, size_t len, struct xnat_sip_dialog *d)
{
	static __u8 buf[XNAT_SIP_MAX];
	struct xnat_sip_scan sc;
	struct xnat_sip_dialog_key k = { .lan_addr = pkt_addr(H1) };

	memset(buf, 0, sizeof(buf));
	memcpy(buf, msg, len);
	xnat_sip_scan(buf, (__u32)len, &sc);
	k.call_id = sc.call_id;
	return !bpf_map_lookup_elem(bpf_map__fd(env.skel->maps.xnat_sip_dialogs), &k, d);
}

static bool dialog_owns(const struct xnat_sip_dialog *d, uint16_t port)
{
	for (int i = 0; i < d->n_ports && i < XNAT_SIP_DIALOG_PORTS; i++)
		if (d->media_ext[i] == htons(port))
			return true;
	return false;
}

/* A whole call, outbound, the external address longer than the private one. */
static void call_out_xdp(void)
{
	const char *ext = "198.51.100.100"; /* 14 characters for 12: the packet grows */
	struct pkt_spec s, want;
	struct xnat_port_owner o, o2;
	struct xnat_sip_dialog d;
	uint16_t sig, rtp;
	uint64_t rewritten, mapped;
	char offer[512], offer_want[512];
	size_t n, nw;
	bool ok;

	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	cfg_edit(cfg_set_ext, (long)pkt_addr(ext));
	/* Ports 5060 and 49170 are taken: both the signalling and the media port move. */
	add_forward(IPPROTO_UDP, SIP, H2, SIP, XNAT_OWNER_STATIC);
	add_forward(IPPROTO_UDP, RTP, H2, RTP, XNAT_OWNER_STATIC);

	snprintf(offer, sizeof(offer), offer_fmt, H1, RTP);
	n = sip_msg(msg_in, offer, invite_head, H1, SIP);
	s = sip_out(msg_in, n);
	run_spec(run_xdp_lan, &s, &(struct pkt){ 0 });
	t_ok(stat_delta(XNAT_STAT_SIP_REWRITTEN) == 1 && stat_delta(XNAT_STAT_SIP_MEDIA_MAPPED) == 2,
	     "sip invite out: counted sip_rewritten, sip_media_mapping twice (RTP, RTCP)");
	/* The run above made the mappings; now the expected packet can be written. */
	sig = eim_port(H1, SIP, IPPROTO_UDP);
	rtp = eim_port(H1, RTP, IPPROTO_UDP);
	t_ok(sig && sig != SIP && rtp && rtp != RTP && !(rtp & 1),
	     "sip invite out: signalling mapped to %u, RTP to %u (even), both moved off the taken ports", sig, rtp);
	t_ok(port_owner(rtp, IPPROTO_UDP, &o) && o.owner == XNAT_OWNER_SIP && o.int_addr == pkt_addr(H1) &&
	     o.int_port == htons(RTP) && port_owner(rtp + 1, IPPROTO_UDP, &o2) && o2.owner == XNAT_OWNER_SIP &&
	     o2.int_port == htons(RTP + 1),
	     "sip invite out: RTP %u and RTCP %u mapped for 192.168.1.10:49170/49171 before the message left, owner sip",
	     rtp, rtp + 1);
	t_ok(dialog_of(msg_in, n, &d) && d.state == XNAT_SIP_EARLY && dialog_owns(&d, rtp) &&
	     dialog_owns(&d, rtp + 1) && d.lan_port == htons(SIP) && d.ext_port == htons(sig),
	     "sip invite out: the dialog (Call-ID, phone) is early and owns both media mappings");

	/* Again, now that the mappings exist: the same mappings, the exact packet. */
	snprintf(offer_want, sizeof(offer_want), offer_fmt, ext, rtp);
	nw = sip_msg(msg_want, offer_want, invite_head, ext, sig);
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = ext;
	want.sport = sig;
	want.payload = (const uint8_t *)msg_want;
	want.payload_len = nw;
	ok = expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL);
	rewritten = stat_delta(XNAT_STAT_SIP_REWRITTEN);
	mapped = stat_delta(XNAT_STAT_SIP_MEDIA_MAPPED);
	t_ok(ok && counted_once(XNAT_STAT_XLATE_OUT),
	     "sip invite out (XDP): Via, From, Contact, o=, c= carry %s:%u, m= port %u, Content-Length, "
	     "IP/UDP lengths (+%zu bytes) and checksums right; Call-ID untouched", ext, sig, rtp, nw - n);
	t_ok(rewritten == 1 && mapped == 0,
	     "sip invite retransmitted: rewritten again with the same mappings, none new");

	/* The callee's 200 OK comes back to the external signalling port. */
	n = sip_msg(msg_in, answer, ok_head, ext, sig);
	s = sip_in(ext, sig, msg_in, n);
	nw = sip_msg(msg_want, answer, ok_head, H1, SIP);
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1;
	want.dport = SIP;
	want.payload = (const uint8_t *)msg_want;
	want.payload_len = nw;
	t_ok(expect(run_xdp_wan, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_IN),
	     "sip 200 in (XDP): Via, rport=, received=, From back to 192.168.1.10:5060, the callee's SDP "
	     "untouched, the packet shrinks by %zu", n - nw);
	t_ok(dialog_of(msg_in, n, &d) && d.state == XNAT_SIP_CONFIRMED, "sip 200 in: the dialog is confirmed");

	/* The first RTP packet of the call comes from the callee, before the phone sent any. */
	s = from_wan(flow_spec(IPPROTO_UDP, REM, 7000, ext, rtp), MAC_REM);
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1;
	want.dport = RTP;
	t_ok(expect(run_xdp_wan, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_IN),
	     "rtp in before any rtp out: %s:%u reaches 192.168.1.10:%u", ext, rtp, RTP);
	s = from_wan(flow_spec(IPPROTO_UDP, REM, 7001, ext, rtp + 1), MAC_REM);
	want = forwarded(s, MAC_GW_LAN, MAC_H1);
	want.dst = H1;
	want.dport = RTP + 1;
	t_ok(expect(run_xdp_wan, &s, V_XDP_REDIRECT, &want, NULL), "rtcp in: %u reaches 192.168.1.10:%u", rtp + 1,
	     RTP + 1);
	s = from_lan(flow_spec(IPPROTO_UDP, H1, RTP, REM, 7000), MAC_H1);
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = ext;
	want.sport = rtp;
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL),
	     "rtp out: leaves from %s:%u, the port the SDP announced", ext, rtp);

	/* BYE ends the dialog; xnatd's collector then removes its mappings. */
	n = sip_msg(msg_in, "", bye_head, H1, SIP);
	s = sip_out(msg_in, n);
	nw = sip_msg(msg_want, "", bye_head, ext, sig);
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = ext;
	want.sport = sig;
	want.payload = (const uint8_t *)msg_want;
	want.payload_len = nw;
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL), "sip bye out: rewritten, Content-Length 0 kept");
	t_ok(dialog_of(msg_in, n, &d) && d.state == XNAT_SIP_ENDED && stat_delta(XNAT_STAT_SIP_DIALOG_ENDED) == 1,
	     "sip bye: the dialog is ended (counted sip_dialog_ended)");
}

/* The stack path: the same rewrite in TC, the external address shorter. */
static void call_out_tc(void)
{
	const char *ext = "8.8.4.4";
	struct pkt_spec s, want;
	char offer[512], offer_want[512];
	uint16_t rtp;
	size_t n, nw;

	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	cfg_edit(cfg_set_ext, (long)pkt_addr(ext));
	snprintf(offer, sizeof(offer), offer_fmt, H1, RTP);
	n = sip_msg(msg_in, offer, invite_head, H1, SIP);
	s = sip_out(msg_in, n);
	run_spec(run_tc_egress, &s, &(struct pkt){ 0 });
	rtp = eim_port(H1, RTP, IPPROTO_UDP);
	snprintf(offer_want, sizeof(offer_want), offer_fmt, ext, rtp);
	nw = sip_msg(msg_want, offer_want, invite_head, ext, SIP);
	want = s;
	want.src = ext;
	want.payload = (const uint8_t *)msg_want;
	want.payload_len = nw;
	t_ok(rtp == RTP && expect(run_tc_egress, &s, V_TC_OK, &want, NULL) && counted_once(XNAT_STAT_XLATE_OUT),
	     "sip invite out (TC egress): rewritten to %s, ports kept (free), the packet shrinks by %zu",
	     ext, n - nw);

	n = sip_msg(msg_in, answer, ok_head, ext, SIP);
	s = sip_in(ext, SIP, msg_in, n);
	nw = sip_msg(msg_want, answer, ok_head, H1, SIP);
	want = s;
	want.dst = H1;
	want.payload = (const uint8_t *)msg_want;
	want.payload_len = nw;
	t_ok(expect(run_tc_ingress, &s, V_TC_OK, &want, NULL), "sip 200 in (TC ingress): back to 192.168.1.10, grows by %zu",
	     nw - n);
}

/* A failure response to the INVITE ends the dialog; to a re-INVITE it does not. */
static void failure_ends_dialog(void)
{
	static const char busy_head[] =
		"SIP/2.0 486 Busy Here\r\n"
		"Via: SIP/2.0/UDP %1$s:%2$u;branch=z9hG4bK-1\r\n"
		"Call-ID: call-1@192.168.1.10\r\n"
		"CSeq: 1 INVITE\r\n";
	struct xnat_sip_dialog d;
	struct pkt_spec s;
	char offer[512];
	size_t n;

	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	snprintf(offer, sizeof(offer), offer_fmt, H1, RTP);
	n = sip_msg(msg_in, offer, invite_head, H1, SIP);
	s = sip_out(msg_in, n);
	run_spec(run_xdp_lan, &s, &(struct pkt){ 0 });
	n = sip_msg(msg_in, "", busy_head, EXT, SIP);
	s = sip_in(EXT, SIP, msg_in, n);
	run_spec(run_xdp_wan, &s, &(struct pkt){ 0 });
	t_ok(dialog_of(msg_in, n, &d) && d.state == XNAT_SIP_ENDED, "sip 486 to the INVITE: the dialog is ended");
}

/* REGISTER: the registrar's 2xx gives the binding its lifetime. */
static void register_binding(void)
{
	static const char reg_head[] =
		"REGISTER sip:198.51.100.2 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %1$s:%2$u;branch=z9hG4bK-r\r\n"
		"From: <sip:alice@198.51.100.2>;tag=r\r\n"
		"To: <sip:alice@198.51.100.2>\r\n"
		"Call-ID: reg-1@192.168.1.10\r\n"
		"CSeq: 1 REGISTER\r\n"
		"Contact: <sip:alice@%1$s:%2$u>\r\n"
		"Expires: 3600\r\n";
	static const char reg_ok_head[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP %1$s:%2$u;branch=z9hG4bK-r\r\n"
		"From: <sip:alice@198.51.100.2>;tag=r\r\n"
		"To: <sip:alice@198.51.100.2>;tag=x\r\n"
		"Call-ID: reg-1@192.168.1.10\r\n"
		"CSeq: 1 REGISTER\r\n"
		"Contact: <sip:alice@%1$s:%2$u>;expires=120\r\n";
	/* The registrar lists every binding of the AOR: another phone's first, ours in
	 * the second line, a third after a comma. Ours is the one with our address. */
	static const char reg_ok_many_head[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP %1$s:%2$u;branch=z9hG4bK-r\r\n"
		"From: <sip:alice@198.51.100.2>;tag=r\r\n"
		"To: <sip:alice@198.51.100.2>;tag=x\r\n"
		"Call-ID: reg-1@192.168.1.10\r\n"
		"CSeq: 2 REGISTER\r\n"
		"Contact: \"Desk, office\" <sip:alice@203.0.113.77:5060>;expires=3000\r\n"
		"Contact: <sip:alice@%1$s:%2$u>;q=0.5;expires=90, <sip:alice@%1$s0:5062>;expires=7000\r\n";
	struct xnat_sip_dialog d;
	struct pkt_spec s;
	struct timespec ts;
	size_t n;

	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	n = sip_msg(msg_in, "", reg_head, H1, SIP);
	s = sip_out(msg_in, n);
	run_spec(run_xdp_lan, &s, &(struct pkt){ 0 });
	t_ok(dialog_of(msg_in, n, &d) && d.state == XNAT_SIP_REGISTERING, "sip register out: a registration, pending");
	n = sip_msg(msg_in, "", reg_ok_head, EXT, SIP);
	s = sip_in(EXT, SIP, msg_in, n);
	run_spec(run_xdp_wan, &s, &(struct pkt){ 0 });
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t_ok(dialog_of(msg_in, n, &d) && d.state == XNAT_SIP_REGISTERED &&
	     d.expires >= ts.tv_sec + 118 && d.expires <= ts.tv_sec + 121 && d.lan_port == htons(SIP),
	     "sip register 200 in: registered, the binding 192.168.1.10:5060 lives for the Contact's expires=120");
	n = sip_msg(msg_in, "", reg_ok_many_head, EXT, SIP);
	s = sip_in(EXT, SIP, msg_in, n);
	run_spec(run_xdp_wan, &s, &(struct pkt){ 0 });
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t_ok(dialog_of(msg_in, n, &d) && d.state == XNAT_SIP_REGISTERED &&
	     d.expires >= ts.tv_sec + 88 && d.expires <= ts.tv_sec + 91,
	     "sip register 200 listing 3 bindings: ours (our address, second line) gives expires=90, "
	     "not another phone's 3000 nor a lookalike address's 7000");
}

/* What the ALG leaves alone: the payload goes on unchanged, still translated, counted. */
static void left_alone(void)
{
	static const char ice_body[] =
		"v=0\r\n"
		"o=- 1 1 IN IP4 192.168.1.10\r\n"
		"s=-\r\n"
		"c=IN IP4 192.168.1.10\r\n"
		"t=0 0\r\n"
		"m=audio 49170 RTP/AVP 0\r\n"
		"a=candidate:1 1 UDP 2130706431 192.168.1.10 49170 typ host\r\n";
	static const char garbage[] = "\x01\x02 not SIP at all 192.168.1.10:5060\r\n\r\n";
	struct pkt_spec s, want;
	static char big[2100];
	size_t n;

	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	n = sip_msg(msg_in, ice_body, invite_head, H1, SIP);
	s = sip_out(msg_in, n);
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL) && stat_delta(XNAT_STAT_SIP_UNCHANGED_ICE) == 1 &&
	     !eim_port(H1, RTP, IPPROTO_UDP),
	     "sip with a=candidate (ICE): payload unchanged, no media mapping, counted sip_unchanged_ice");

	s = sip_out(garbage, sizeof(garbage) - 1);
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	stat_mark();
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL) &&
	     stat_delta(XNAT_STAT_SIP_UNCHANGED_UNPARSED) == 1,
	     "not SIP on port 5060: translated, payload unchanged, counted sip_unchanged_unparsable");

	memset(big, 'x', sizeof(big));
	n = sip_msg(msg_in, "", invite_head, H1, SIP);
	memcpy(big, msg_in, n);
	s = sip_out(big, sizeof(big));
	want = s;
	want.src = EXT;
	stat_mark();
	/* TC: XDP would hand a packet over the MTU to the stack first. */
	t_ok(expect(run_tc_egress, &s, V_TC_OK, &want, NULL) && stat_delta(XNAT_STAT_SIP_UNCHANGED_TOO_BIG) == 1,
	     "sip message over 2 KiB (jumbo frame, TC): translated, payload unchanged, counted sip_unchanged_too_big");

	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_IN); /* the ALG off outbound */
	n = sip_msg(msg_in, "", bye_head, H1, SIP);
	s = sip_out(msg_in, n);
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	stat_mark();
	t_ok(expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL) && stat_delta(XNAT_STAT_SIP_REWRITTEN) == 0,
	     "sip ALG off outbound on 5060 (config): the message leaves unchanged");
}

static void cfg_set_dialog_limit(struct xnat_config *c, long n)
{
	c->max_sip_dialogs_per_host = (__u32)n;
}

/* One phone's INVITEs track at most max_sip_dialogs_per_host dialogs; the
 * ones past it are still rewritten, only not followed. */
static void dialog_host_limit(void)
{
	__be32 h1 = pkt_addr(H1);
	__u64 closed = 1;
	char offer[512], *id;
	struct pkt_spec s;
	size_t n;

	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	cfg_edit(cfg_set_dialog_limit, 2);
	snprintf(offer, sizeof(offer), offer_fmt, H1, RTP);
	n = sip_msg(msg_in, offer, invite_head, H1, SIP);
	id = strstr(msg_in, "call-1@");
	for (char c = '1'; c <= '3'; c++) {
		id[5] = c; /* call-1, call-2, call-3 */
		s = sip_out(msg_in, n);
		run_spec(run_xdp_lan, &s, &(struct pkt){ 0 });
	}
	t_ok(map_entries(env.skel->maps.xnat_sip_dialogs) == 2 && stat_delta(XNAT_STAT_SIP_DIALOG_HOST_LIMIT) == 1 &&
	     stat_delta(XNAT_STAT_SIP_REWRITTEN) == 3,
	     "limit 2 dialogs per host: the third INVITE is rewritten but opens no dialog (sip_dialog_host_limit)");
	/* xnatd's collector closing one gives the room back */
	bpf_map_update_elem(bpf_map__fd(env.skel->maps.xnat_sip_host_closed), &h1, &closed, BPF_ANY);
	id[5] = '4';
	s = sip_out(msg_in, n);
	run_spec(run_xdp_lan, &s, &(struct pkt){ 0 });
	t_ok(map_entries(env.skel->maps.xnat_sip_dialogs) == 3, "... one closed by the collector: the next one opens");
}

/* The packet leaving for H1's message msg: translated, its payload want
 * (192.168.1.10 and 198.51.100.1 are both 12 bytes, the ports 4 digits:
 * the same length, so XDP rewrites it in place). */
static bool leaves_as(const char *what, const char *msg, const char *want_payload)
{
	struct pkt_spec s = sip_out(msg, strlen(msg)), want;

	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	want.sport = eim_port(H1, SIP, IPPROTO_UDP) ? eim_port(H1, SIP, IPPROTO_UDP) : SIP;
	want.payload = (const uint8_t *)want_payload;
	want.payload_len = strlen(want_payload);
	(void)what;
	return expect(run_xdp_lan, &s, V_XDP_REDIRECT, &want, NULL);
}

/* Issue #17's cases (the rewriter's own tests: tests/unit/test_sip_rewrite.c),
 * as exact packets through the fast path. */
static void issue17_cases(void)
{
	static char want[PKT_MAX], stray[301];
	static const char answer_out[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-p1;rport=5060;received=203.0.113.5\r\n"
		"From: <sip:carol@example.com>;tag=7\r\n"
		"To: <sip:alice@example.com>;tag=8\r\n"
		"Call-ID: in-17@example.com\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@%s:%u>\r\n"
		"Content-Length: 0\r\n\r\n";
	static const char intmeth[] =
		"!interesting-Method0123456789_*+`.%%indeed'~ sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %1$s:%2$u;branch=z9hG4bK-t\r\n"
		"Contact: <sip:alice@%1$s:%2$u>\r\n"
		"Content-Length: 0\r\n\r\n";
	static const char register_head[] =
		"REGISTER sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %1$s:%2$u;branch=z9hG4bK-r\r\n"
		"Contact: <sip:alice@%1$s:%2$u>\r\n"
		"Content-Length: %3$s\r\n\r\n%4$s";
	static const char hold_body[] =
		"v=0\r\n"
		"o=- 1 2 IN IP4 192.168.1.10\r\n"
		"s=-\r\n"
		"c=IN IP4 0.0.0.0\r\n"
		"t=0 0\r\n"
		"m=audio 49170 RTP/AVP 0\r\n"
		"a=sendonly\r\n";
	struct pkt_spec s;
	unsigned int sig;
	size_t n;

	env_reset();
	cfg_edit(cfg_set_sip, XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN);
	/* H2 takes EXT:5060 first: H1's signalling port is moved, so a port
	 * wrongly rewritten shows. */
	s = from_lan(flow_spec(IPPROTO_UDP, H2, SIP, REM, SIP), MAC_H2);
	run_spec(run_xdp_lan, &s, &(struct pkt){ 0 });
	s = sip_out("x", 1);
	run_spec(run_xdp_lan, &s, &(struct pkt){ 0 });
	sig = eim_port(H1, SIP, IPPROTO_UDP);
	t_ok(sig && sig != SIP, "sip: H1's signalling port moved off 5060 (taken by H2): %u", sig);
	snprintf(msg_in, sizeof(msg_in), answer_out, H1, SIP);
	snprintf(want, sizeof(want), answer_out, EXT, sig);
	t_ok(leaves_as("", msg_in, want) && stat_delta(XNAT_STAT_SIP_REWRITTEN) == 1,
	     "sip 200 OK of an incoming call: the proxy's Via (rport=5060, the phone's own port too) leaves "
	     "unchanged, the phone's Contact gets the external address and port");

	snprintf(msg_in, sizeof(msg_in), intmeth, H1, SIP);
	snprintf(want, sizeof(want), intmeth, EXT, sig);
	t_ok(leaves_as("", msg_in, want) && stat_delta(XNAT_STAT_SIP_REWRITTEN) == 1,
	     "sip method with digits and -.!%%*_+`'~ (RFC 4475 intmeth): recognised and rewritten");

	memset(stray, 'x', sizeof(stray) - 1);
	memcpy(stray + 50, "Contact: <sip:alice@192.168.1.10>", 33);
	snprintf(msg_in, sizeof(msg_in), register_head, H1, SIP, "0", stray);
	snprintf(want, sizeof(want), register_head, EXT, sig, "0", stray);
	t_ok(leaves_as("", msg_in, want) && stat_delta(XNAT_STAT_SIP_REWRITTEN) == 1,
	     "sip Content-Length: 0 and 300 stray bytes (RFC 4475 dblreq): headers rewritten, Content-Length "
	     "stays 0, the stray bytes leave as they came");

	snprintf(msg_in, sizeof(msg_in), register_head, H1, SIP, "-999", "v=0\r\n");
	t_ok(leaves_as("", msg_in, msg_in) && stat_delta(XNAT_STAT_SIP_UNCHANGED_BAD_LENGTH) == 1 &&
	     stat_delta(XNAT_STAT_SIP_REWRITTEN) == 0,
	     "sip Content-Length: -999: translated, payload unchanged, counted sip_unchanged_bad_length");
	snprintf(msg_in, sizeof(msg_in), register_head, H1, SIP, "9999", "v=0\r\n");
	t_ok(leaves_as("", msg_in, msg_in) && stat_delta(XNAT_STAT_SIP_UNCHANGED_BAD_LENGTH) == 1,
	     "sip Content-Length: 9999 (more than the datagram): unchanged, never repaired, counted");

	n = sip_msg(msg_in, hold_body, invite_head, H1, SIP);
	s = sip_out(msg_in, n);
	stat_mark();
	t_ok(run_spec(run_xdp_lan, &s, &(struct pkt){ 0 }) == V_XDP_REDIRECT && eim_port(H1, RTP, IPPROTO_UDP) &&
	     stat_delta(XNAT_STAT_SIP_MEDIA_MAPPED) >= 1,
	     "sip hold (c=0.0.0.0, a=sendonly): the media port is still mapped");
}

void test_sip_alg(void)
{
	call_out_xdp();
	call_out_tc();
	failure_ends_dialog();
	register_binding();
	left_alone();
	dialog_host_limit();
	issue17_cases();
	env_reset();
}
