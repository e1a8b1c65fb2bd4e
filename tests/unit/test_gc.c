// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The collector on real (unattached) BPF maps with the fast path's layouts. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include "expiry.h"
#include "gc.h"
#include "mapwalk.h"
#include "ports.h"

#define NOW 100000u
#define LAN htonl(0xc0a8010a)  /* 192.168.1.10 */
#define REM htonl(0xc6336402)  /* 198.51.100.2 */
#define EXT htonl(0xcb007101)  /* 203.0.113.1 */

static const struct xnat_config cfg = {
	.port_min = 1024, .port_max = 65535, .flags = XNAT_CFG_ENABLED,
	.timeout_udp = 300, .timeout_tcp_established = 7440, .timeout_tcp_transitory = 240,
	.timeout_icmp = 60, .timeout_sip_dialog = 3600,
};

static struct xnat_map_fds m;

static int mk(size_t k, size_t v)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, k, v, 1024, NULL);

	assert_true(fd >= 0);
	return fd;
}

static int setup(void **state)
{
	(void)state;
	xnat_maps_init(&m);
	if (geteuid() != 0)
		return 0;
	m.flows = mk(sizeof(struct xnat_flow_key), sizeof(struct xnat_flow));
	m.eim = mk(sizeof(struct xnat_eim_key), sizeof(struct xnat_eim));
	m.ports = xnat_ports_create();
	assert_true(m.ports >= 0);
	m.adf = mk(sizeof(struct xnat_adf_key), sizeof(__u32));
	m.host_freed = mk(sizeof(__be32), sizeof(__u64));
	m.sip_dialogs = mk(sizeof(struct xnat_sip_dialog_key), sizeof(struct xnat_sip_dialog));
	m.sip_seqadj = mk(sizeof(struct xnat_seqadj_key), sizeof(struct xnat_seqadj));
	m.port_filters = mk(sizeof(__u32), sizeof(struct xnat_port_filter));
	m.sip_closed = mk(sizeof(__be32), sizeof(__u64));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xnat_maps_close(&m);
	return 0;
}

/* Not root: the maps can't be created, the test is skipped. As root they
 * must have been. */
static void need_root(void)
{
	if (m.flows >= 0)
		return;
	if (geteuid() != 0)
		skip();
	fail_msg("BPF maps can't be created as root");
}

/* A mapping LAN:lport <-> EXT:eport, as the fast path creates it. */
static void add_mapping(__u8 proto, __u16 lport, __u16 eport, __u8 owner, __u32 used, __u32 expires)
{
	__u32 slot = (__u32)xnat_port_slot(proto, eport);
	struct xnat_port_owner po = { .int_addr = LAN, .int_port = htons(lport), .owner = owner,
				      .in_use = 1, .last_used = used, .expires = expires };
	struct xnat_eim_key ek = { .int_addr = LAN, .int_port = htons(lport), .proto = proto };
	struct xnat_eim ev = { .ext_port = htons(eport), .created = used };

	assert_int_equal(bpf_map_update_elem(m.ports, &slot, &po, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(m.eim, &ek, &ev, BPF_ANY), 0);
}

/* Both entries of a session LAN:lport -> REM:rport through EXT:eport. */
static void add_session(__u8 proto, __u16 lport, __u16 rport, __u16 eport, __u8 owner,
			__u32 out_seen, __u8 out_flags, __u32 in_seen, __u8 in_flags, int with_in)
{
	struct xnat_flow_key ko = { .saddr = LAN, .daddr = REM, .sport = htons(lport),
				    .dport = htons(rport), .proto = proto, .dir = XNAT_DIR_OUT };
	struct xnat_flow vo = { .addr = EXT, .port = htons(eport), .flags = out_flags,
				.owner = owner, .last_seen = out_seen };
	struct xnat_flow_key ki = { .saddr = REM, .daddr = EXT, .sport = htons(rport),
				    .dport = htons(eport), .proto = proto, .dir = XNAT_DIR_IN };
	struct xnat_flow vi = { .addr = LAN, .port = htons(lport), .flags = in_flags,
				.owner = owner, .last_seen = in_seen };

	assert_int_equal(bpf_map_update_elem(m.flows, &ko, &vo, BPF_ANY), 0);
	if (with_in)
		assert_int_equal(bpf_map_update_elem(m.flows, &ki, &vi, BPF_ANY), 0);
}

static void clear_all(void)
{
	int fds[] = { m.flows, m.eim, m.adf, m.host_freed, m.sip_dialogs, m.sip_seqadj, m.port_filters, m.sip_closed };
	struct xnat_port_table t;
	char key[64];

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		while (!bpf_map_get_next_key(fds[i], NULL, key))
			bpf_map_delete_elem(fds[i], key);
	assert_int_equal(xnat_ports_open(m.ports, true, &t), 0);
	memset(t.slots, 0, XNAT_PORT_SLOTS * sizeof(*t.slots));
	xnat_ports_close(&t);
}

static struct xnat_gc_result gc(void)
{
	struct xnat_gc_result r;

	assert_int_equal(xnat_gc_run(&m, &cfg, NOW, &r), 0);
	return r;
}

static void test_udp_session_expires_after_timeout(void **state)
{
	struct xnat_gc_result r;

	(void)state;
	need_root();
	clear_all();
	add_mapping(IPPROTO_UDP, 5000, 5000, XNAT_OWNER_DYNAMIC, NOW - 1000, 0);
	add_session(IPPROTO_UDP, 5000, 53, 5000, XNAT_OWNER_DYNAMIC, NOW - 299, 0, NOW - 400, 0, 1);
	add_session(IPPROTO_UDP, 5000, 54, 5000, XNAT_OWNER_DYNAMIC, NOW - 301, 0, NOW - 300, 0, 1);
	r = gc();
	assert_int_equal(r.sessions_expired, 1);
	assert_int_equal(xnat_map_count(m.flows), 2);
	assert_int_equal(r.mappings_freed, 0); /* still used by the live session */
	assert_int_equal(xnat_ports_in_use(m.ports), 1);
}

static void test_tcp_timeouts_follow_state(void **state)
{
	__u8 syn = XNAT_FLOW_SYN, syn_ack = XNAT_FLOW_SYN | XNAT_FLOW_ACK;
	struct xnat_gc_result r;

	(void)state;
	need_root();
	clear_all();
	add_mapping(IPPROTO_TCP, 40000, 40000, XNAT_OWNER_DYNAMIC, NOW - 9000, 0);
	/* established, idle 2 h: kept (RFC 5382: >= 2 h 4 min) */
	add_session(IPPROTO_TCP, 40000, 443, 40000, XNAT_OWNER_DYNAMIC, NOW - 7200, syn_ack,
		    NOW - 7200, syn_ack, 1);
	/* half open, idle 5 min: transitory timeout (4 min) passed */
	add_session(IPPROTO_TCP, 40000, 444, 40000, XNAT_OWNER_DYNAMIC, NOW - 300, syn, NOW - 300, 0, 1);
	/* closed by FIN both ways, idle 5 min */
	add_session(IPPROTO_TCP, 40000, 445, 40000, XNAT_OWNER_DYNAMIC, NOW - 300,
		    syn_ack | XNAT_FLOW_FIN, NOW - 300, syn_ack | XNAT_FLOW_FIN, 1);
	r = gc();
	assert_int_equal(r.sessions_expired, 2);
	assert_int_equal(xnat_map_count(m.flows), 2);
}

static void test_half_sessions_removed_after_grace(void **state)
{
	struct xnat_flow_key ki = { .saddr = REM, .daddr = EXT, .sport = htons(80),
				    .dport = htons(7000), .proto = IPPROTO_TCP, .dir = XNAT_DIR_IN };
	struct xnat_flow vi = { .addr = LAN, .port = htons(7000), .last_seen = NOW - 50 };
	struct xnat_gc_result r;

	(void)state;
	need_root();
	clear_all();
	add_mapping(IPPROTO_UDP, 6000, 6000, XNAT_OWNER_DYNAMIC, NOW, 0);
	add_session(IPPROTO_UDP, 6000, 53, 6000, XNAT_OWNER_DYNAMIC, NOW - 5, 0, 0, 0, 0);
	add_session(IPPROTO_UDP, 6000, 54, 6000, XNAT_OWNER_DYNAMIC, NOW, 0, 0, 0, 0); /* being made */
	assert_int_equal(bpf_map_update_elem(m.flows, &ki, &vi, BPF_ANY), 0);
	r = gc();
	assert_int_equal(r.half_sessions, 2);
	assert_int_equal(xnat_map_count(m.flows), 1);
}

static void test_idle_dynamic_mapping_freed_and_counted(void **state)
{
	struct xnat_gc_result r;
	__be32 host = LAN;
	__u64 freed = 0;

	(void)state;
	need_root();
	clear_all();
	add_mapping(IPPROTO_UDP, 5000, 5000, XNAT_OWNER_DYNAMIC, NOW - 600, 0);
	add_mapping(IPPROTO_UDP, 5001, 5001, XNAT_OWNER_DYNAMIC, NOW - 3, 0); /* in its grace */
	add_session(IPPROTO_UDP, 5000, 53, 5000, XNAT_OWNER_DYNAMIC, NOW - 500, 0, NOW - 500, 0, 1);
	r = gc();
	assert_int_equal(r.sessions_expired, 1);
	assert_int_equal(r.mappings_freed, 1);
	assert_int_equal(xnat_ports_in_use(m.ports), 1);
	assert_int_equal(xnat_map_count(m.eim), 1);
	assert_int_equal(bpf_map_lookup_elem(m.host_freed, &host, &freed), 0);
	assert_int_equal(freed, 1);
}

static void test_leases_expire_forwards_stay(void **state)
{
	struct xnat_gc_result r;

	(void)state;
	need_root();
	clear_all();
	add_mapping(IPPROTO_TCP, 3389, 3389, XNAT_OWNER_CONFIG, NOW - 100000, 0);
	add_mapping(IPPROTO_TCP, 8080, 8080, XNAT_OWNER_UPNP, NOW - 100, NOW - 1);
	add_mapping(IPPROTO_UDP, 8080, 8080, XNAT_OWNER_NATPMP, NOW - 100, NOW + 60);
	r = gc();
	assert_int_equal(r.leases_expired, 1);
	assert_int_equal(r.mappings_freed, 0);
	assert_int_equal(xnat_ports_in_use(m.ports), 2);
}

static void test_sessions_of_removed_mapping_go(void **state)
{
	struct xnat_gc_result r;

	(void)state;
	need_root();
	clear_all();
	/* a forward was deleted: its session stays only until the next pass */
	add_session(IPPROTO_TCP, 3389, 50000, 3389, XNAT_OWNER_STATIC, NOW, XNAT_FLOW_SYN | XNAT_FLOW_ACK,
		    NOW, XNAT_FLOW_SYN, 1);
	/* the gateway's own flow has no mapping and needs none */
	add_session(IPPROTO_UDP, 123, 123, 123, XNAT_OWNER_LOCAL, NOW, 0, NOW, 0, 1);
	r = gc();
	assert_int_equal(r.sessions_unmapped, 1);
	assert_int_equal(xnat_map_count(m.flows), 2);
}

static void test_stale_eim_and_adf_removed(void **state)
{
	struct xnat_eim_key ek = { .int_addr = LAN, .int_port = htons(9999), .proto = IPPROTO_UDP };
	struct xnat_eim ev = { .ext_port = htons(9999), .created = NOW - 100 };
	struct xnat_adf_key live = { .rem_addr = REM, .ext_port = htons(5000), .proto = IPPROTO_UDP };
	struct xnat_adf_key stale = { .rem_addr = REM, .ext_port = htons(5002), .proto = IPPROTO_UDP };
	__u32 old = NOW - 1000;
	struct xnat_gc_result r;

	(void)state;
	need_root();
	clear_all();
	assert_int_equal(bpf_map_update_elem(m.eim, &ek, &ev, BPF_ANY), 0);
	add_mapping(IPPROTO_UDP, 5000, 5000, XNAT_OWNER_DYNAMIC, NOW - 1000, 0);
	add_session(IPPROTO_UDP, 5000, 53, 5000, XNAT_OWNER_DYNAMIC, NOW, 0, NOW, 0, 1);
	assert_int_equal(bpf_map_update_elem(m.adf, &live, &old, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(m.adf, &stale, &old, BPF_ANY), 0);
	r = gc();
	assert_int_equal(r.eim_stale, 1);
	assert_int_equal(r.adf_stale, 1);
	assert_int_equal(xnat_map_count(m.adf), 1);
}

static void test_tcp_state_from_flags(void **state)
{
	__u8 S = XNAT_FLOW_SYN, A = XNAT_FLOW_ACK, F = XNAT_FLOW_FIN, R = XNAT_FLOW_RST;

	(void)state;
	assert_int_equal(xnat_tcp_state(S, 0), XNAT_TCP_OPENING);
	assert_int_equal(xnat_tcp_state(S | A, S), XNAT_TCP_ESTABLISHED);
	assert_int_equal(xnat_tcp_state(A, A), XNAT_TCP_ESTABLISHED); /* picked up mid-stream */
	assert_int_equal(xnat_tcp_state(S | A | F, S | A), XNAT_TCP_ESTABLISHED); /* half closed */
	assert_int_equal(xnat_tcp_state(S | A | F, S | A | F), XNAT_TCP_CLOSING);
	assert_int_equal(xnat_tcp_state(S | A, S | R), XNAT_TCP_RESET);
	assert_int_equal(xnat_session_timeout(&cfg, IPPROTO_TCP, S | A, S), 7440);
	assert_int_equal(xnat_session_timeout(&cfg, IPPROTO_TCP, S, 0), 240);
	assert_int_equal(xnat_session_timeout(&cfg, IPPROTO_UDP, 0, 0), 300);
	assert_int_equal(xnat_session_timeout(&cfg, IPPROTO_ICMP, 0, 0), 60);
	assert_true(xnat_idle_for(10, 0xfffffff0u, 20)); /* wraps */
	assert_false(xnat_idle_for(5, 10, 1));            /* in the future: not idle */
}

/* A SIP dialog of the phone LAN (signalling port 5060) owning media ports. */
static void add_dialog(__u64 call_id, __u8 state, __u32 last_seen, __u32 expires, const __u16 *media, int n)
{
	struct xnat_sip_dialog_key k = { .call_id = call_id, .lan_addr = LAN };
	struct xnat_sip_dialog d = { .last_seen = last_seen, .expires = expires, .state = state,
				     .lan_port = htons(5060), .ext_port = htons(5060), .n_ports = (__u8)n };

	for (int i = 0; i < n; i++)
		d.media_ext[i] = htons(media[i]);
	assert_int_equal(bpf_map_update_elem(m.sip_dialogs, &k, &d, BPF_ANY), 0);
}

static bool dialog_there(__u64 call_id, struct xnat_sip_dialog *d)
{
	struct xnat_sip_dialog_key k = { .call_id = call_id, .lan_addr = LAN };

	return !bpf_map_lookup_elem(m.sip_dialogs, &k, d);
}

static void test_sip_ended_dialog_takes_its_media(void **state)
{
	const __u16 media[] = { 40000, 40001 };
	struct xnat_sip_dialog d;
	struct xnat_gc_result r;
	__u64 freed = 0;
	__be32 host = LAN;

	(void)state;
	need_root();
	clear_all();
	add_mapping(IPPROTO_UDP, 49170, 40000, XNAT_OWNER_SIP, NOW - 60, 0);
	add_mapping(IPPROTO_UDP, 49171, 40001, XNAT_OWNER_SIP, NOW - 60, 0);
	add_session(IPPROTO_UDP, 49170, 7000, 40000, XNAT_OWNER_DYNAMIC, NOW, 0, NOW, 0, 1);
	add_dialog(1, XNAT_SIP_ENDED, NOW, 0, media, 2);
	r = gc();
	assert_int_equal(r.sip_dialogs_removed, 1);
	assert_int_equal(r.sip_mappings_removed, 2);
	assert_false(dialog_there(1, &d));
	{
		__u64 closed = 0;

		/* the phone has one dialog fewer against its per-host limit */
		assert_int_equal(bpf_map_lookup_elem(m.sip_closed, &host, &closed), 0);
		assert_int_equal(closed, 1);
	}
	assert_int_equal(xnat_ports_in_use(m.ports), 0);
	assert_int_equal(bpf_map_lookup_elem(m.host_freed, &host, &freed), 0);
	assert_int_equal(freed, 2);
	r = gc(); /* the RTP session lost its mapping: gone on the next pass */
	assert_int_equal(r.sessions_unmapped, 1);
	assert_int_equal(xnat_map_count(m.flows), 0);
}

/* A SIP/TCP connection's sequence adjustment goes with its session. */
static void test_sip_seqadj_follows_its_session(void **state)
{
	struct xnat_seqadj_key live = { .lan_addr = LAN, .rem_addr = REM, .lan_port = htons(5060),
					.rem_port = htons(5060) };
	struct xnat_seqadj_key gone = live;
	struct xnat_seqadj a = { .dir = { { .corr_pos = 1, .after = 10 } } };
	struct xnat_gc_result r;

	(void)state;
	need_root();
	clear_all();
	gone.lan_port = htons(5070);
	add_mapping(IPPROTO_TCP, 5060, 5060, XNAT_OWNER_DYNAMIC, NOW, 0);
	add_session(IPPROTO_TCP, 5060, 5060, 5060, XNAT_OWNER_DYNAMIC, NOW, XNAT_FLOW_ACK, NOW, XNAT_FLOW_ACK, 1);
	assert_int_equal(bpf_map_update_elem(m.sip_seqadj, &live, &a, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(m.sip_seqadj, &gone, &a, BPF_ANY), 0);
	r = gc();
	assert_int_equal(r.sip_tcp_removed, 1);
	assert_int_equal(bpf_map_lookup_elem(m.sip_seqadj, &live, &a), 0);
	assert_int_not_equal(bpf_map_lookup_elem(m.sip_seqadj, &gone, &a), 0);
}

static void test_sip_call_lives_while_media_flows(void **state)
{
	const __u16 media[] = { 40000 };
	struct xnat_sip_dialog d;
	struct xnat_gc_result r;

	(void)state;
	need_root();
	clear_all();
	add_mapping(IPPROTO_UDP, 49170, 40000, XNAT_OWNER_SIP, NOW - 7200, 0);
	add_session(IPPROTO_UDP, 49170, 7000, 40000, XNAT_OWNER_DYNAMIC, NOW - 10, 0, NOW - 10, 0, 1);
	add_dialog(2, XNAT_SIP_CONFIRMED, NOW - 3601, 0, media, 1); /* no signalling for an hour */
	r = gc();
	assert_int_equal(r.sip_dialogs_removed, 0);
	assert_true(dialog_there(2, &d));
	assert_int_equal(d.last_seen, NOW); /* the media refreshed it */
	assert_int_equal(xnat_ports_in_use(m.ports), 1);

	clear_all(); /* the same call without media: over */
	add_mapping(IPPROTO_UDP, 49170, 40000, XNAT_OWNER_SIP, NOW - 7200, 0);
	add_dialog(2, XNAT_SIP_CONFIRMED, NOW - 3601, 0, media, 1);
	r = gc();
	assert_int_equal(r.sip_dialogs_removed, 1);
	assert_int_equal(xnat_ports_in_use(m.ports), 0);
}

static void test_sip_registration_keeps_the_phone_reachable(void **state)
{
	struct xnat_gc_result r;
	struct xnat_sip_dialog d;

	(void)state;
	need_root();
	clear_all();
	add_mapping(IPPROTO_UDP, 5060, 5060, XNAT_OWNER_DYNAMIC, NOW - 1000, 0);
	/* idle past the UDP timeout, but the registration runs for 10 more minutes */
	add_session(IPPROTO_UDP, 5060, 5060, 5060, XNAT_OWNER_DYNAMIC, NOW - 400, 0, NOW - 400, 0, 1);
	add_dialog(3, XNAT_SIP_REGISTERED, NOW - 400, NOW + 600, NULL, 0);
	r = gc();
	assert_int_equal(r.sessions_expired, 0);
	assert_int_equal(xnat_map_count(m.flows), 2);
	assert_int_equal(xnat_ports_in_use(m.ports), 1);
	assert_true(dialog_there(3, &d));

	add_dialog(3, XNAT_SIP_REGISTERED, NOW - 400, NOW - 1, NULL, 0); /* expired */
	r = gc();
	assert_int_equal(r.sip_dialogs_removed, 1);
	assert_int_equal(r.sessions_expired, 1);
}

static void test_sip_orphan_media_mapping_freed(void **state)
{
	struct xnat_gc_result r;

	(void)state;
	need_root();
	clear_all();
	/* a sip mapping no dialog owns (its dialog could not be stored) */
	add_mapping(IPPROTO_UDP, 49170, 40000, XNAT_OWNER_SIP, NOW - 60, 0);
	r = gc();
	assert_int_equal(r.mappings_freed, 1);
	assert_int_equal(xnat_ports_in_use(m.ports), 0);
}

/* PCP FILTER rules live as long as their mapping, not a moment longer:
 * rules of an ended lease, or of a slot now held by another mapping, go. */
static void test_pcp_filters_follow_their_mapping(void **state)
{
	struct xnat_port_filter f = { .count = 1, .rule = { { .addr = REM, .prefix_len = 32 } } };
	__u32 live = (__u32)xnat_port_slot(IPPROTO_TCP, 6900), ended = (__u32)xnat_port_slot(IPPROTO_TCP, 6901),
	      other = (__u32)xnat_port_slot(IPPROTO_TCP, 6902);

	(void)state;
	need_root();
	clear_all();
	add_mapping(IPPROTO_TCP, 6900, 6900, XNAT_OWNER_PCP, NOW, NOW + 600);
	add_mapping(IPPROTO_TCP, 6901, 6901, XNAT_OWNER_PCP, NOW - 700, NOW - 100); /* expired */
	add_mapping(IPPROTO_TCP, 6902, 6902, XNAT_OWNER_UPNP, NOW, NOW + 600);
	f.claim = xnat_port_claim_word(LAN, htons(6900), XNAT_OWNER_PCP);
	assert_int_equal(bpf_map_update_elem(m.port_filters, &live, &f, BPF_ANY), 0);
	f.claim = xnat_port_claim_word(LAN, htons(6901), XNAT_OWNER_PCP);
	assert_int_equal(bpf_map_update_elem(m.port_filters, &ended, &f, BPF_ANY), 0);
	f.claim = xnat_port_claim_word(LAN, htons(6902), XNAT_OWNER_PCP); /* a PCP lease's, now UPnP's */
	assert_int_equal(bpf_map_update_elem(m.port_filters, &other, &f, BPF_ANY), 0);
	gc();
	assert_int_equal(bpf_map_lookup_elem(m.port_filters, &live, &f), 0);
	assert_int_not_equal(bpf_map_lookup_elem(m.port_filters, &ended, &f), 0);
	assert_int_not_equal(bpf_map_lookup_elem(m.port_filters, &other, &f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_state_from_flags),
		cmocka_unit_test(test_udp_session_expires_after_timeout),
		cmocka_unit_test(test_tcp_timeouts_follow_state),
		cmocka_unit_test(test_half_sessions_removed_after_grace),
		cmocka_unit_test(test_idle_dynamic_mapping_freed_and_counted),
		cmocka_unit_test(test_leases_expire_forwards_stay),
		cmocka_unit_test(test_sessions_of_removed_mapping_go),
		cmocka_unit_test(test_stale_eim_and_adf_removed),
		cmocka_unit_test(test_sip_ended_dialog_takes_its_media),
		cmocka_unit_test(test_sip_seqadj_follows_its_session),
		cmocka_unit_test(test_sip_call_lives_while_media_flows),
		cmocka_unit_test(test_sip_registration_keeps_the_phone_reachable),
		cmocka_unit_test(test_sip_orphan_media_mapping_freed),
		cmocka_unit_test(test_pcp_filters_follow_their_mapping),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
