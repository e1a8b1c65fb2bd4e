// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * NAT-PMP and PCP requests (agent/lib/pcp_server.c) on real BPF maps with
 * the fast path's layouts: what each request gets back, byte for byte where
 * it matters, and what it leaves in the port table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include "forward.h"
#include "lease.h"
#include "pcp_filter.h"
#include "pcp_server.h"
#include "lease_maps.h"
#include "ports.h"

#define NOW 1000
#define PCP_HDR sizeof(struct xnat_pcp_req_hdr)
#define MAP_LEN (PCP_HDR + sizeof(struct xnat_pcp_map))

static struct xnat_map_fds m;
static struct xnat_pcp_server srv;
static __u8 resp[XNAT_PCP_MAX_DATAGRAM];
static __be32 ext, h1, h2;

static const struct xnat_pcp_policy policy = {
	.min_lifetime = 120, .max_lifetime = 86400, .leases_per_host = 4,
	.port_min = 20000, .port_max = 20999,
};

static int setup(void **state)
{
	(void)state;
	if (lease_maps_create(&m))
		return -1;
	inet_pton(AF_INET, "198.51.100.1", &ext);
	inet_pton(AF_INET, "192.168.1.10", &h1);
	inet_pton(AF_INET, "192.168.1.20", &h2);
	if (xnat_pcp_server_init(&srv, &m, &policy, NOW - 17))
		return -1;
	srv.ext_addr = ext;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xnat_pcp_server_free(&srv);
	xnat_maps_close(&m);
	return 0;
}

/* ------------------------------------------------------------- NAT-PMP */

static size_t natpmp_map(__be32 from, __u8 op, __u16 int_port, __u16 want, __u32 lifetime)
{
	struct xnat_natpmp_map_req r = {
		.version = 0, .opcode = op, .internal_port = htons(int_port), .external_port = htons(want),
		.lifetime = htonl(lifetime),
	};

	return xnat_pcp_handle(&srv, from, (const __u8 *)&r, sizeof(r), NOW, resp);
}

static struct xnat_natpmp_map_resp map_resp(void)
{
	struct xnat_natpmp_map_resp r;

	memcpy(&r, resp, sizeof(r));
	return r;
}

static void test_natpmp_address(void **state)
{
	static const __u8 req[2] = { 0, 0 };
	struct xnat_natpmp_addr_resp a;

	(void)state;
	assert_int_equal(xnat_pcp_handle(&srv, h1, req, 2, NOW, resp), 12);
	memcpy(&a, resp, sizeof(a));
	assert_int_equal(a.h.version, 0);
	assert_int_equal(a.h.opcode, 128);
	assert_int_equal(ntohs(a.h.result), XNAT_NATPMP_SUCCESS);
	assert_int_equal(ntohl(a.h.epoch), 17);
	assert_int_equal(a.external_addr, ext);

	srv.ext_addr = 0; /* no WAN address yet */
	assert_int_equal(xnat_pcp_handle(&srv, h1, req, 2, NOW, resp), 12);
	memcpy(&a, resp, sizeof(a));
	assert_int_equal(ntohs(a.h.result), XNAT_NATPMP_NETWORK_FAILURE);
	srv.ext_addr = ext;
}

static void test_natpmp_map_renew_delete(void **state)
{
	struct xnat_natpmp_map_resp r;
	struct xnat_lease l;

	(void)state;
	assert_int_equal(natpmp_map(h1, XNAT_NATPMP_OP_MAP_TCP, 6891, 6891, 7200), 16);
	r = map_resp();
	assert_int_equal(r.h.opcode, 130);
	assert_int_equal(ntohs(r.h.result), 0);
	assert_int_equal(ntohs(r.internal_port), 6891);
	assert_int_equal(ntohs(r.external_port), 6891); /* the suggested port, free */
	assert_int_equal(ntohl(r.lifetime), 7200);
	assert_int_equal(xnat_lease_find(&m, XNAT_OWNER_NATPMP, IPPROTO_TCP, h1, 6891, 6891, &l), 0);
	assert_int_equal(l.expires, NOW + 7200);
	/* what xnatd logs */
	assert_true(srv.last.set);
	assert_false(srv.last.pcp);
	assert_false(srv.last.deleted);
	assert_int_equal(srv.last.host, h1);
	assert_int_equal(srv.last.proto, IPPROTO_TCP);
	assert_int_equal(srv.last.ext_port, 6891);
	assert_int_equal(srv.last.lifetime, 7200);

	/* a renewal keeps the port, whatever it suggests; a short lifetime is raised */
	natpmp_map(h1, XNAT_NATPMP_OP_MAP_TCP, 6891, 0, 10);
	r = map_resp();
	assert_int_equal(ntohs(r.external_port), 6891);
	assert_int_equal(ntohl(r.lifetime), 120);

	/* another host suggesting the same port gets another one, from the range */
	natpmp_map(h2, XNAT_NATPMP_OP_MAP_TCP, 6891, 6891, 3600);
	r = map_resp();
	assert_int_equal(ntohs(r.h.result), 0);
	assert_in_range(ntohs(r.external_port), 20000, 20999);

	/* the same internal port over UDP is another lease */
	natpmp_map(h1, XNAT_NATPMP_OP_MAP_UDP, 6891, 6891, 3600);
	r = map_resp();
	assert_int_equal(r.h.opcode, 129);
	assert_int_equal(ntohs(r.external_port), 6891);

	/* lifetime 0 deletes; internal port 0 too deletes all of the host's for the protocol */
	natpmp_map(h1, XNAT_NATPMP_OP_MAP_TCP, 6891, 0, 0);
	r = map_resp();
	assert_int_equal(ntohs(r.h.result), 0);
	assert_int_equal(ntohl(r.lifetime), 0);
	assert_int_not_equal(xnat_lease_find(&m, XNAT_OWNER_NATPMP, IPPROTO_TCP, h1, 6891, 0, &l), 0);
	natpmp_map(h1, XNAT_NATPMP_OP_MAP_UDP, 0, 0, 0);
	assert_int_not_equal(xnat_lease_find(&m, XNAT_OWNER_NATPMP, IPPROTO_UDP, h1, 6891, 0, &l), 0);
	assert_int_equal(xnat_lease_find(&m, XNAT_OWNER_NATPMP, IPPROTO_TCP, h2, 6891, 0, &l), 0);
}

static void test_natpmp_refusals(void **state)
{
	static const __u8 bad_op[2] = { 0, 7 }, answer[16] = { 0, 130 }, one[1] = { 0 };
	struct xnat_natpmp_resp_hdr h;
	struct xnat_forward fw = { .proto = IPPROTO_TCP, .owner = XNAT_OWNER_STATIC, .ext_min = 3389,
				   .ext_max = 3389, .int_port = 3389 };
	char err[128];

	(void)state;
	assert_int_equal(xnat_pcp_handle(&srv, h1, bad_op, 2, NOW, resp), 8);
	memcpy(&h, resp, sizeof(h));
	assert_int_equal(h.opcode, 135);
	assert_int_equal(ntohs(h.result), XNAT_NATPMP_UNSUPP_OPCODE);
	assert_int_equal(xnat_pcp_handle(&srv, h1, answer, sizeof(answer), NOW, resp), 0); /* never answer answers */
	assert_int_equal(xnat_pcp_handle(&srv, h1, one, 1, NOW, resp), 0);
	assert_int_equal(natpmp_map(h1, XNAT_NATPMP_OP_MAP_TCP, 0, 0, 3600), 16); /* internal port 0 */
	assert_int_equal(ntohs(map_resp().h.result), XNAT_NATPMP_REFUSED);

	/* a port held by a static forward is never handed out */
	fw.int_addr = h2;
	assert_int_equal(xnat_forward_add(&m, &fw, err, sizeof(err)), 0);
	natpmp_map(h1, XNAT_NATPMP_OP_MAP_TCP, 3389, 3389, 3600);
	assert_int_equal(ntohs(map_resp().h.result), 0);
	assert_int_not_equal(ntohs(map_resp().external_port), 3389);
}

static void test_natpmp_quota(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++) {
		natpmp_map(h1, XNAT_NATPMP_OP_MAP_UDP, (__u16)(5000 + i), 0, 3600);
		assert_int_equal(ntohs(map_resp().h.result), 0);
	}
	natpmp_map(h1, XNAT_NATPMP_OP_MAP_UDP, 5004, 0, 3600);
	assert_int_equal(ntohs(map_resp().h.result), XNAT_NATPMP_NO_RESOURCES);
	natpmp_map(h1, XNAT_NATPMP_OP_MAP_UDP, 5001, 0, 3600); /* a renewal is not a new lease */
	assert_int_equal(ntohs(map_resp().h.result), 0);
}

/* ------------------------------------------------------------------ PCP */

static __u8 req[XNAT_PCP_MAX_DATAGRAM + 8];

static void v4mapped(__u8 *a, __be32 v4)
{
	memset(a, 0, 10);
	a[10] = a[11] = 0xff;
	memcpy(a + 12, &v4, 4);
}

/* A MAP request from `from` in req; returns its length (options appended by the caller). */
static size_t pcp_map_req(__be32 from, __u8 nonce_byte, __u8 proto, __u16 int_port, __u16 want, __u32 lifetime)
{
	struct xnat_pcp_req_hdr h = { .version = 2, .opcode = XNAT_PCP_OP_MAP, .lifetime = htonl(lifetime) };
	struct xnat_pcp_map mp = { .protocol = proto, .internal_port = htons(int_port), .external_port = htons(want) };

	memset(req, 0, sizeof(req));
	v4mapped(h.client_addr, from);
	memset(mp.nonce, nonce_byte, sizeof(mp.nonce));
	v4mapped(mp.external_addr, 0);
	memcpy(req, &h, sizeof(h));
	memcpy(req + PCP_HDR, &mp, sizeof(mp));
	return MAP_LEN;
}

static size_t add_option(size_t len, __u8 code, const void *data, __u16 dlen)
{
	struct xnat_pcp_opt_hdr o = { .code = code, .length = htons(dlen) };

	memcpy(req + len, &o, sizeof(o));
	memcpy(req + len + sizeof(o), data, dlen);
	return len + sizeof(o) + ((dlen + 3u) & ~3u);
}

struct pcp_out {
	size_t len;
	struct xnat_pcp_resp_hdr h;
	struct xnat_pcp_map m;
};

static struct pcp_out send_pcp(__be32 from, size_t len)
{
	struct pcp_out o = { .len = xnat_pcp_handle(&srv, from, req, len, NOW, resp) };

	memcpy(&o.h, resp, sizeof(o.h));
	memcpy(&o.m, resp + sizeof(o.h), sizeof(o.m));
	return o;
}

static void test_pcp_map_nonce_delete(void **state)
{
	__u8 want_addr[16];
	struct pcp_out o;
	struct xnat_lease l;

	(void)state;
	o = send_pcp(h1, pcp_map_req(h1, 0xa1, IPPROTO_TCP, 1503, 1503, 3600));
	assert_int_equal(o.len, MAP_LEN);
	assert_int_equal(o.h.version, 2);
	assert_int_equal(o.h.opcode, 0x81);
	assert_int_equal(o.h.result, XNAT_PCP_SUCCESS);
	assert_int_equal(ntohl(o.h.lifetime), 3600);
	assert_int_equal(ntohl(o.h.epoch), 17);
	assert_int_equal(o.m.nonce[0], 0xa1);
	assert_int_equal(ntohs(o.m.internal_port), 1503);
	assert_int_equal(ntohs(o.m.external_port), 1503);
	v4mapped(want_addr, ext);
	assert_memory_equal(o.m.external_addr, want_addr, 16);

	/* the same nonce renews; another is not the owner's */
	o = send_pcp(h1, pcp_map_req(h1, 0xa1, IPPROTO_TCP, 1503, 0, 100000));
	assert_int_equal(o.h.result, XNAT_PCP_SUCCESS);
	assert_int_equal(ntohl(o.h.lifetime), 86400);
	o = send_pcp(h1, pcp_map_req(h1, 0xb2, IPPROTO_TCP, 1503, 1503, 3600));
	assert_int_equal(o.h.result, XNAT_PCP_NOT_AUTHORIZED);
	assert_int_equal(ntohl(o.h.lifetime), 1800);
	o = send_pcp(h1, pcp_map_req(h1, 0xb2, IPPROTO_TCP, 1503, 0, 0));
	assert_int_equal(o.h.result, XNAT_PCP_NOT_AUTHORIZED);
	o = send_pcp(h1, pcp_map_req(h1, 0xa1, IPPROTO_TCP, 1503, 0, 0));
	assert_int_equal(o.h.result, XNAT_PCP_SUCCESS);
	assert_int_equal(ntohl(o.h.lifetime), 0);
	assert_int_not_equal(xnat_lease_find(&m, XNAT_OWNER_PCP, IPPROTO_TCP, h1, 1503, 0, &l), 0);
	o = send_pcp(h1, pcp_map_req(h1, 0xa1, IPPROTO_TCP, 1503, 0, 0)); /* gone already: still a success */
	assert_int_equal(o.h.result, XNAT_PCP_SUCCESS);
}

static void test_pcp_prefer_failure_and_dynamic(void **state)
{
	union xnat_port_claim c = { .f = { .int_port = htons(40000), .owner = XNAT_OWNER_DYNAMIC, .in_use = 1 } };
	struct xnat_eim_key ek = { .int_port = htons(40000), .proto = IPPROTO_UDP };
	struct xnat_eim ev = { .ext_port = htons(20500) };
	struct xnat_port_table t;
	struct pcp_out o;
	size_t len;

	(void)state;
	/* h2 holds 3389 */
	o = send_pcp(h2, pcp_map_req(h2, 1, IPPROTO_TCP, 3389, 3389, 3600));
	assert_int_equal(ntohs(o.m.external_port), 3389);
	/* h1 wants it too: another port, or with PREFER_FAILURE, an error */
	o = send_pcp(h1, pcp_map_req(h1, 2, IPPROTO_TCP, 3389, 3389, 3600));
	assert_int_equal(o.h.result, XNAT_PCP_SUCCESS);
	assert_in_range(ntohs(o.m.external_port), 20000, 20999);
	len = add_option(pcp_map_req(h1, 3, IPPROTO_TCP, 3390, 3389, 3600), XNAT_PCP_OPT_PREFER_FAILURE, "", 0);
	o = send_pcp(h1, len);
	assert_int_equal(o.h.result, XNAT_PCP_CANNOT_PROVIDE_EXTERNAL);
	assert_int_equal(ntohl(o.h.lifetime), 30);
	assert_int_equal(o.len, len); /* the request's data and options echoed */

	/* an endpoint with a dynamic mapping keeps its external port (RFC 6887 11.3) */
	c.f.int_addr = h1;
	ek.int_addr = h1;
	assert_int_equal(xnat_ports_open(m.ports, true, &t), 0);
	assert_int_equal(xnat_port_claim(&t, (__u32)xnat_port_slot(IPPROTO_UDP, 20500), c.word, NOW, NULL), 0);
	xnat_ports_close(&t);
	assert_int_equal(bpf_map_update_elem(m.eim, &ek, &ev, BPF_NOEXIST), 0);
	o = send_pcp(h1, pcp_map_req(h1, 4, IPPROTO_UDP, 40000, 0, 600));
	assert_int_equal(o.h.result, XNAT_PCP_SUCCESS);
	assert_int_equal(ntohs(o.m.external_port), 20500);
	assert_int_equal(xnat_ports_open(m.ports, false, &t), 0);
	assert_int_equal(t.slots[xnat_port_slot(IPPROTO_UDP, 20500)].owner, XNAT_OWNER_PCP);
	assert_int_equal(t.slots[xnat_port_slot(IPPROTO_UDP, 20500)].expires, NOW + 600);
	xnat_ports_close(&t);
	{
		__u64 freed = 0;

		/* it leaves the host's dynamic quota (found by make soak: the quota drifted) */
		assert_int_equal(bpf_map_lookup_elem(m.host_freed, &h1, &freed), 0);
		assert_int_equal(freed, 1);
	}
}

/* The admin's rules: h2 may only have 20100-20199; nobody below 1024. */
static void test_permission_rules(void **state)
{
	static const char *const text[] = { "deny 0-1023 0.0.0.0/0 0-65535",
					     "allow 20100-20199 192.168.1.20 0-65535",
					     "deny 0-65535 192.168.1.20 0-65535" };
	struct xnat_pm_rules rules = { .n = 0 };
	struct xnat_pm_rule rule;
	struct pcp_out o;
	char err[128];
	size_t len;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(xnat_pm_rule_parse(text[i], &rule, err, sizeof(err)), 0);
		assert_int_equal(xnat_pm_rules_add(&rules, &rule), 0);
	}
	srv.policy.rules = &rules;
	/* PCP: a denied port with PREFER_FAILURE is NOT_AUTHORIZED; without it, another port */
	len = add_option(pcp_map_req(h1, 1, IPPROTO_TCP, 80, 80, 3600), XNAT_PCP_OPT_PREFER_FAILURE, "", 0);
	assert_int_equal(send_pcp(h1, len).h.result, XNAT_PCP_NOT_AUTHORIZED);
	o = send_pcp(h1, pcp_map_req(h1, 1, IPPROTO_TCP, 80, 80, 3600));
	assert_int_equal(o.h.result, XNAT_PCP_SUCCESS);
	assert_in_range(ntohs(o.m.external_port), 20000, 20999);
	/* h2 gets its own range only, whatever it suggests */
	o = send_pcp(h2, pcp_map_req(h2, 2, IPPROTO_UDP, 5000, 20500, 3600));
	assert_int_equal(o.h.result, XNAT_PCP_SUCCESS);
	assert_in_range(ntohs(o.m.external_port), 20100, 20199);
	/* NAT-PMP: the same, and 2 (Not Authorized/Refused) when no port at all is allowed */
	natpmp_map(h2, XNAT_NATPMP_OP_MAP_TCP, 6891, 6891, 3600);
	assert_int_equal(ntohs(map_resp().h.result), 0);
	assert_in_range(ntohs(map_resp().external_port), 20100, 20199);
	assert_int_equal(xnat_pm_rule_parse("deny 0-65535 192.168.1.10 6000-6999", &rule, err, sizeof(err)), 0);
	rules.n = 0;
	assert_int_equal(xnat_pm_rules_add(&rules, &rule), 0);
	natpmp_map(h1, XNAT_NATPMP_OP_MAP_TCP, 6891, 6891, 3600);
	assert_int_equal(ntohs(map_resp().h.result), XNAT_NATPMP_REFUSED);
	srv.policy.rules = NULL;
}

static void test_pcp_third_party(void **state)
{
	__u8 addr[16];
	struct pcp_out o;
	size_t len;

	(void)state;
	v4mapped(addr, h2);
	len = add_option(pcp_map_req(h1, 5, IPPROTO_TCP, 8080, 0, 3600), XNAT_PCP_OPT_THIRD_PARTY, addr, 16);
	o = send_pcp(h1, len);
	assert_int_equal(o.h.result, XNAT_PCP_NOT_AUTHORIZED); /* secure: refused unless allowed */
	assert_true(srv.last.set && srv.last.pcp);
	assert_int_equal(srv.last.result, XNAT_PCP_NOT_AUTHORIZED);
	assert_int_equal(srv.last.host, h1); /* who asked */
	assert_int_equal(srv.last.int_port, 8080);
	srv.policy.allow_third_party = true;
	o = send_pcp(h1, len);
	assert_int_equal(o.h.result, XNAT_PCP_SUCCESS);
	assert_int_equal(srv.last.host, h2); /* whose mapping */
	assert_int_equal(srv.last.result, 0);
	assert_true(srv.last.ext_port != 0);
	assert_int_equal(o.len, len); /* THIRD_PARTY echoed */
	srv.policy.allow_third_party = false;
}

static void test_pcp_malformed_and_unsupported(void **state)
{
	__u8 junk[8] = { 0 };
	struct pcp_out o;
	size_t len;

	(void)state;
	len = pcp_map_req(h1, 6, IPPROTO_TCP, 80, 0, 3600);
	o = send_pcp(h2, len); /* h1's address in the header, sent by h2 */
	assert_int_equal(o.h.result, XNAT_PCP_ADDRESS_MISMATCH);
	req[0] = 1;
	o = send_pcp(h1, len);
	assert_int_equal(o.h.version, 2);
	assert_int_equal(o.h.result, XNAT_PCP_UNSUPP_VERSION);
	req[0] = 2;
	assert_int_equal(send_pcp(h1, 23).h.result, XNAT_PCP_MALFORMED_REQUEST);
	assert_int_equal(send_pcp(h1, len + 2).h.result, XNAT_PCP_MALFORMED_REQUEST); /* not a multiple of 4 */
	assert_int_equal(send_pcp(h1, PCP_HDR + 8).h.result, XNAT_PCP_MALFORMED_REQUEST); /* MAP data cut */
	assert_int_equal(send_pcp(h1, XNAT_PCP_MAX_DATAGRAM + 4).h.result, XNAT_PCP_MALFORMED_REQUEST);
	assert_int_equal(send_pcp(h1, add_option(len, 99, junk, 4)).h.result, XNAT_PCP_UNSUPP_OPTION);
	o = send_pcp(h1, add_option(len, 200, junk, 4)); /* optional: skipped */
	assert_int_equal(o.h.result, XNAT_PCP_SUCCESS);
	assert_int_equal(o.len, len); /* ... and not echoed */
	len = pcp_map_req(h1, 6, IPPROTO_TCP, 80, 0, 3600);
	req[len] = XNAT_PCP_OPT_PREFER_FAILURE;
	req[len + 3] = 40; /* longer than the datagram */
	assert_int_equal(send_pcp(h1, len + 4).h.result, XNAT_PCP_MALFORMED_OPTION);
	assert_int_equal(send_pcp(h1, pcp_map_req(h1, 6, IPPROTO_ICMP, 80, 0, 3600)).h.result,
			 XNAT_PCP_UNSUPP_PROTOCOL);
	assert_int_equal(send_pcp(h1, pcp_map_req(h1, 6, IPPROTO_TCP, 0, 0, 3600)).h.result,
			 XNAT_PCP_MALFORMED_REQUEST);
	len = pcp_map_req(h1, 6, IPPROTO_TCP, 80, 0, 3600);
	req[1] = XNAT_PCP_OP_PEER; /* MAP's data is too short for PEER's */
	assert_int_equal(send_pcp(h1, len).h.result, XNAT_PCP_MALFORMED_REQUEST);
	req[1] = 3; /* no such opcode */
	assert_int_equal(send_pcp(h1, len).h.result, XNAT_PCP_UNSUPP_OPCODE);
	req[1] = XNAT_PCP_OP_MAP | XNAT_PCP_RESPONSE_BIT;
	assert_int_equal(send_pcp(h1, len).len, 0); /* an answer is never answered */
	req[1] = XNAT_PCP_OP_ANNOUNCE;
	o = send_pcp(h1, PCP_HDR);
	assert_int_equal(o.len, PCP_HDR);
	assert_int_equal(o.h.opcode, 0x80);
	assert_int_equal(o.h.result, XNAT_PCP_SUCCESS);
	srv.ext_addr = 0;
	assert_int_equal(send_pcp(h1, pcp_map_req(h1, 6, IPPROTO_TCP, 80, 0, 3600)).h.result,
			 XNAT_PCP_NETWORK_FAILURE);
	srv.ext_addr = ext;
}

/* ------------------------------------------------------------- FILTER */

static size_t add_filter(size_t len, __u8 prefix, const char *addr, __u16 port)
{
	struct xnat_pcp_filter f = { .prefix_len = prefix, .remote_port = htons(port) };
	__be32 a = 0;

	inet_pton(AF_INET, addr, &a);
	v4mapped(f.remote_addr, a);
	return add_option(len, XNAT_PCP_OPT_FILTER, &f, sizeof(f));
}

/* The rules the fast path applies to h1's TCP 6900 lease now. */
static int filters_of(struct xnat_remote_filter *out)
{
	struct xnat_lease l;

	if (xnat_lease_find(&m, XNAT_OWNER_PCP, IPPROTO_TCP, h1, 6900, 0, &l))
		return -1;
	return xnat_pcp_filters_get(&m, &l, out);
}

static __be32 ip(const char *a)
{
	__be32 v = 0;

	inet_pton(AF_INET, a, &v);
	return v;
}

static void test_pcp_filter(void **state)
{
	struct xnat_remote_filter f[XNAT_PORT_FILTERS];
	struct xnat_port_filter raw;
	struct pcp_out o;
	struct xnat_lease l;
	__u32 slot = (__u32)xnat_port_slot(IPPROTO_TCP, 6900);
	size_t len;

	(void)state;
	/* a new mapping with two filters: granted, the options echoed, the rules in the fast path */
	len = add_filter(add_filter(pcp_map_req(h1, 1, IPPROTO_TCP, 6900, 6900, 3600), 120, "203.0.113.7", 0),
			 128 - 8, "198.51.100.77", 5060); /* 198.51.100.0/24 port 5060: host bits dropped */
	o = send_pcp(h1, len);
	assert_int_equal(o.h.result, XNAT_PCP_SUCCESS);
	assert_int_equal(o.len, len);
	assert_memory_equal(resp + MAP_LEN, req + MAP_LEN, len - MAP_LEN);
	assert_int_equal(filters_of(f), 2);
	assert_int_equal(f[0].addr, ip("203.0.113.0"));
	assert_int_equal(f[0].prefix_len, 24);
	assert_int_equal(f[0].port, 0);
	assert_int_equal(f[1].addr, ip("198.51.100.0"));
	assert_int_equal(f[1].prefix_len, 24);
	assert_int_equal(ntohs(f[1].port), 5060);
	assert_int_equal(bpf_map_lookup_elem(m.port_filters, &slot, &raw), 0);
	assert_int_equal(raw.claim, xnat_port_claim_word(h1, htons(6900), XNAT_OWNER_PCP));
	assert_true(xnat_remote_filter_match(&f[0], ip("203.0.113.99"), htons(1)));
	assert_false(xnat_remote_filter_match(&f[0], ip("203.0.114.1"), htons(1)));
	assert_true(xnat_remote_filter_match(&f[1], ip("198.51.100.3"), htons(5060)));
	assert_false(xnat_remote_filter_match(&f[1], ip("198.51.100.3"), htons(5061)));

	/* a renewal without FILTER keeps them; with one, adds it (once) */
	assert_int_equal(send_pcp(h1, pcp_map_req(h1, 1, IPPROTO_TCP, 6900, 6900, 3600)).h.result, 0);
	assert_int_equal(filters_of(f), 2);
	len = add_filter(pcp_map_req(h1, 1, IPPROTO_TCP, 6900, 6900, 3600), 128, "192.0.2.1", 0);
	assert_int_equal(send_pcp(h1, add_filter(len, 128, "192.0.2.1", 0)).h.result, 0);
	assert_int_equal(filters_of(f), 3);
	/* prefix length 0 clears what was before it, then the next ones apply */
	len = add_filter(pcp_map_req(h1, 1, IPPROTO_TCP, 6900, 6900, 3600), 0, "0.0.0.0", 0);
	assert_int_equal(send_pcp(h1, add_filter(len, 104, "10.0.0.0", 0)).h.result, 0);
	assert_int_equal(filters_of(f), 1);
	assert_int_equal(f[0].prefix_len, 8);
	assert_int_equal(send_pcp(h1, add_filter(pcp_map_req(h1, 1, IPPROTO_TCP, 6900, 6900, 3600), 0,
						 "0.0.0.0", 0)).h.result, 0);
	assert_int_equal(filters_of(f), 0); /* open to anyone again */

	/* more rules than a mapping holds: EXCESSIVE_REMOTE_PEERS, and nothing granted */
	len = pcp_map_req(h1, 2, IPPROTO_UDP, 7000, 7000, 3600);
	for (int i = 0; i <= XNAT_PORT_FILTERS; i++) {
		char a[16];

		snprintf(a, sizeof(a), "192.0.2.%d", i + 1);
		len = add_filter(len, 128, a, 0);
	}
	assert_int_equal(send_pcp(h1, len).h.result, XNAT_PCP_EXCESSIVE_REMOTE_PEERS);
	assert_int_equal(xnat_lease_find(&m, XNAT_OWNER_PCP, IPPROTO_UDP, h1, 7000, 0, &l), -1);

	/* malformed rules: an IPv4 prefix of 0 bits (errata 3891), over 128, an IPv6 peer, a short option */
	assert_int_equal(send_pcp(h1, add_filter(pcp_map_req(h1, 2, IPPROTO_UDP, 7000, 0, 3600), 96, "1.2.3.4", 0))
				 .h.result, XNAT_PCP_MALFORMED_OPTION);
	assert_int_equal(send_pcp(h1, add_filter(pcp_map_req(h1, 2, IPPROTO_UDP, 7000, 0, 3600), 129, "1.2.3.4", 0))
				 .h.result, XNAT_PCP_MALFORMED_OPTION);
	len = add_filter(pcp_map_req(h1, 2, IPPROTO_UDP, 7000, 0, 3600), 120, "1.2.3.4", 0);
	req[MAP_LEN + 4 + 4] = 0x20; /* 2001::... */
	assert_int_equal(send_pcp(h1, len).h.result, XNAT_PCP_MALFORMED_OPTION);
	len = pcp_map_req(h1, 2, IPPROTO_UDP, 7000, 0, 3600);
	assert_int_equal(send_pcp(h1, add_option(len, XNAT_PCP_OPT_FILTER, req + 200, 16)).h.result,
			 XNAT_PCP_MALFORMED_OPTION);

	/* the delete takes the rules with the mapping */
	assert_int_equal(send_pcp(h1, add_filter(pcp_map_req(h1, 1, IPPROTO_TCP, 6900, 6900, 3600), 128,
						 "192.0.2.1", 0)).h.result, 0);
	assert_int_equal(send_pcp(h1, pcp_map_req(h1, 1, IPPROTO_TCP, 6900, 0, 0)).h.result, 0);
	assert_int_not_equal(bpf_map_lookup_elem(m.port_filters, &slot, &raw), 0);
}

/* --------------------------------------------------------------- PEER */

static size_t pcp_peer_req(__be32 from, __u8 proto, __u16 int_port, const char *rem, __u16 rem_port,
			   __u32 lifetime)
{
	struct xnat_pcp_req_hdr h = { .version = 2, .opcode = XNAT_PCP_OP_PEER, .lifetime = htonl(lifetime) };
	struct xnat_pcp_peer p = { .map = { .protocol = proto, .internal_port = htons(int_port) },
				   .remote_port = htons(rem_port) };

	memset(req, 0, sizeof(req));
	v4mapped(h.client_addr, from);
	memset(p.map.nonce, 0x5e, sizeof(p.map.nonce));
	v4mapped(p.remote_addr, ip(rem));
	memcpy(req, &h, sizeof(h));
	memcpy(req + PCP_HDR, &p, sizeof(p));
	return PCP_HDR + sizeof(p);
}

static struct xnat_pcp_peer peer_resp(void)
{
	struct xnat_pcp_peer p;

	memcpy(&p, resp + PCP_HDR, sizeof(p));
	return p;
}

/* A session as the fast path makes it: OUT (lan -> rem) and IN (rem -> ext). */
static void add_session(__be32 lan, __u16 lan_port, __be32 rem, __u16 rem_port, __u8 proto, __u16 ext_port,
			__u32 seen)
{
	struct xnat_flow_key ko = { .saddr = lan, .daddr = rem, .sport = htons(lan_port), .dport = htons(rem_port),
				    .proto = proto, .dir = XNAT_DIR_OUT };
	struct xnat_flow vo = { .addr = ext, .port = htons(ext_port), .last_seen = seen };
	struct xnat_flow vi = { .addr = lan, .port = htons(lan_port), .last_seen = seen };
	struct xnat_flow_key ki;

	xnat_flow_in_key(&ko, &vo, &ki);
	assert_int_equal(bpf_map_update_elem(m.flows, &ko, &vo, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(m.flows, &ki, &vi, BPF_ANY), 0);
}

static __u32 out_seen(__be32 lan, __u16 lan_port, __be32 rem, __u16 rem_port, __u8 proto, bool in_dir)
{
	struct xnat_flow_key k = { .saddr = lan, .daddr = rem, .sport = htons(lan_port), .dport = htons(rem_port),
				   .proto = proto, .dir = XNAT_DIR_OUT };
	struct xnat_flow v;

	if (bpf_map_lookup_elem(m.flows, &k, &v))
		return 0;
	if (in_dir) {
		struct xnat_flow_key ki;

		xnat_flow_in_key(&k, &v, &ki);
		if (bpf_map_lookup_elem(m.flows, &ki, &v))
			return 0;
	}
	return v.last_seen;
}

static int creates;

/* Stands in for xnatd's run of a first packet through the LAN program. */
static int fake_create(void *ctx, __u8 proto, __be32 int_addr, __be16 int_port, __be32 rem_addr, __be16 rem_port)
{
	(void)ctx;
	creates++;
	add_session(int_addr, ntohs(int_port), rem_addr, ntohs(rem_port), proto, 40123, NOW);
	return 0;
}

static void test_pcp_peer(void **state)
{
	struct xnat_pcp_peer p;
	struct pcp_out o;
	size_t len;

	(void)state;
	/* an existing UDP session: its external endpoint, its timeout restarted both ways */
	add_session(h1, 5000, ip("203.0.113.5"), 3478, IPPROTO_UDP, 40000, NOW - 200);
	len = pcp_peer_req(h1, IPPROTO_UDP, 5000, "203.0.113.5", 3478, 3600);
	o = send_pcp(h1, len);
	assert_int_equal(o.h.result, XNAT_PCP_SUCCESS);
	assert_int_equal(o.h.opcode, XNAT_PCP_OP_PEER | XNAT_PCP_RESPONSE_BIT);
	assert_int_equal(o.len, len);
	assert_int_equal(ntohl(o.h.lifetime), 300); /* the UDP session's idle timeout */
	p = peer_resp();
	assert_int_equal(ntohs(p.map.external_port), 40000);
	assert_memory_equal(p.map.nonce, req + PCP_HDR, 12);
	assert_int_equal(ntohs(p.remote_port), 3478);
	assert_int_equal(memcmp(p.remote_addr, req + PCP_HDR + 40, 16), 0);
	{
		__u8 want[16];

		v4mapped(want, ext);
		assert_memory_equal(p.map.external_addr, want, 16);
	}
	assert_int_equal(out_seen(h1, 5000, ip("203.0.113.5"), 3478, IPPROTO_UDP, false), NOW);
	assert_int_equal(out_seen(h1, 5000, ip("203.0.113.5"), 3478, IPPROTO_UDP, true), NOW);
	assert_true(srv.last.peer);
	assert_int_equal(srv.last.ext_port, 40000);
	assert_int_equal(srv.last.peer_port, 3478);

	/* no session yet and no way to make one: NO_RESOURCES, short-lived */
	o = send_pcp(h1, pcp_peer_req(h1, IPPROTO_TCP, 6000, "203.0.113.5", 443, 600));
	assert_int_equal(o.h.result, XNAT_PCP_NO_RESOURCES);
	assert_int_equal(ntohl(o.h.lifetime), 30);
	/* with the fast path's help: made as a first packet would, once */
	srv.peer_create = fake_create;
	creates = 0;
	o = send_pcp(h1, pcp_peer_req(h1, IPPROTO_TCP, 6000, "203.0.113.5", 443, 600));
	assert_int_equal(o.h.result, XNAT_PCP_SUCCESS);
	assert_int_equal(ntohs(peer_resp().map.external_port), 40123);
	assert_int_equal(ntohl(o.h.lifetime), 240); /* TCP, not established: transitory */
	assert_int_equal(send_pcp(h1, pcp_peer_req(h1, IPPROTO_TCP, 6000, "203.0.113.5", 443, 600)).h.result, 0);
	assert_int_equal(creates, 1);
	/* lifetime 0 lets go: nothing made, nothing cut */
	o = send_pcp(h1, pcp_peer_req(h1, IPPROTO_UDP, 6001, "203.0.113.5", 53, 0));
	assert_int_equal(o.h.result, XNAT_PCP_SUCCESS);
	assert_int_equal(ntohl(o.h.lifetime), 0);
	assert_int_equal(creates, 1);
	assert_int_equal(send_pcp(h1, pcp_peer_req(h1, IPPROTO_UDP, 5000, "203.0.113.5", 3478, 0)).h.result, 0);
	assert_int_equal(out_seen(h1, 5000, ip("203.0.113.5"), 3478, IPPROTO_UDP, false), NOW);
	srv.peer_create = NULL;

	/* refusals */
	assert_int_equal(send_pcp(h1, pcp_peer_req(h1, IPPROTO_UDP, 5000, "203.0.113.5", 0, 60)).h.result,
			 XNAT_PCP_MALFORMED_REQUEST);
	assert_int_equal(send_pcp(h1, pcp_peer_req(h1, IPPROTO_UDP, 0, "203.0.113.5", 1, 60)).h.result,
			 XNAT_PCP_MALFORMED_REQUEST);
	assert_int_equal(send_pcp(h1, pcp_peer_req(h1, IPPROTO_UDP, 5000, "0.0.0.0", 1, 60)).h.result,
			 XNAT_PCP_MALFORMED_REQUEST);
	len = pcp_peer_req(h1, IPPROTO_UDP, 5000, "203.0.113.5", 3478, 60);
	req[PCP_HDR + 40] = 0x20; /* an IPv6 peer */
	assert_int_equal(send_pcp(h1, len).h.result, XNAT_PCP_MALFORMED_REQUEST);
	assert_int_equal(send_pcp(h1, pcp_peer_req(h1, IPPROTO_ICMP, 5000, "203.0.113.5", 1, 60)).h.result,
			 XNAT_PCP_UNSUPP_PROTOCOL);
	len = pcp_peer_req(h1, IPPROTO_UDP, 5000, "203.0.113.5", 3478, 60);
	assert_int_equal(send_pcp(h1, add_option(len, XNAT_PCP_OPT_PREFER_FAILURE, NULL, 0)).h.result,
			 XNAT_PCP_MALFORMED_OPTION); /* MAP's option */
	len = pcp_peer_req(h1, IPPROTO_UDP, 5000, "203.0.113.5", 3478, 60);
	assert_int_equal(send_pcp(h1, add_filter(len, 128, "203.0.113.5", 0)).h.result, XNAT_PCP_MALFORMED_OPTION);
	len = pcp_peer_req(h1, IPPROTO_UDP, 5000, "203.0.113.5", 3478, 60);
	{
		__u8 third[16];

		v4mapped(third, h2);
		assert_int_equal(send_pcp(h1, add_option(len, XNAT_PCP_OPT_THIRD_PARTY, third, 16)).h.result,
				 XNAT_PCP_NOT_AUTHORIZED);
	}
	srv.ext_addr = 0;
	assert_int_equal(send_pcp(h1, pcp_peer_req(h1, IPPROTO_UDP, 5000, "203.0.113.5", 3478, 60)).h.result,
			 XNAT_PCP_NETWORK_FAILURE);
	srv.ext_addr = ext;
}

static void test_pcp_garbage_never_crashes(void **state)
{
	unsigned int seed = 7;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand_r(&seed) % (XNAT_PCP_MAX_DATAGRAM + 8));

		for (size_t j = 0; j < len; j++)
			req[j] = (__u8)rand_r(&seed);
		if (i % 3 == 0 && len >= PCP_HDR) { /* mostly well-formed headers, to reach the options */
			req[0] = 2;
			req[1] = 1;
			v4mapped(req + 8, h1);
		}
		assert_true(xnat_pcp_handle(&srv, h1, req, len, NOW, resp) <= XNAT_PCP_MAX_DATAGRAM);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_natpmp_address), T(test_natpmp_map_renew_delete), T(test_natpmp_refusals),
		T(test_natpmp_quota), T(test_pcp_map_nonce_delete), T(test_pcp_prefer_failure_and_dynamic),
		T(test_permission_rules),
		T(test_pcp_third_party), T(test_pcp_malformed_and_unsupported), T(test_pcp_filter),
		T(test_pcp_peer), T(test_pcp_garbage_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
