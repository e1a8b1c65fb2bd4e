// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the NAT-PMP and PCP server (agent/lib/pcp_server.c,
 * pcp_peer.c, pcp_filter.c over lease.c and portmap_rules.c) on real BPF
 * maps with the fast path's layouts (tests/unit/lease_maps.c): needs root.
 *
 * Input: one byte of context, then the datagram. The context byte picks
 * the sender among four LAN hosts (bits 0-1), gives the server a
 * peer_create that makes the session as the fast path would (bit 2),
 * allows THIRD_PARTY (bit 3), applies permission rules (bit 4: host .30
 * limited to 20000-20063, nobody below 1024), takes the WAN address away
 * (bit 5), and moves the clock 0, 1, 120 or 7200 s first (bits 6-7).
 *
 * The tables are kept from one input to the next, so leases are renewed,
 * deleted, filtered and fought over, and emptied every RESET_EVERY inputs.
 * Checked beyond "no crash", on every answer: at most 1100 bytes; NAT-PMP's
 * exact length and opcode + 128; PCP's multiple of 4, R bit and the
 * request's opcode, zero reserved fields, the epoch, an error echoing the
 * request's bytes; a granted lease is in the table as answered (owner,
 * endpoint, port, lifetime within the policy, permitted by the rules); a
 * delete leaves none; the per-host quota holds. The same datagram sent
 * again at once gets the same answer (a retransmission: requests are
 * idempotent), with the answer buffer filled differently before each call
 * (so no byte of it is unwritten); and on the first input after each
 * reset, the same input on emptied tables gives the same answer again.
 * getrandom() (lease.c's random first port) is replaced here by a
 * generator seeded from the input, so all of this is reproducible.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include "check.h"
#include "lease.h"
#include "pcp_filter.h"
#include "pcp_server.h"
#include "portmap_rules.h"
#include "tables.h"

#define RESET_EVERY 256
#define BASE_TIME 100000u
#define PCP_HDR sizeof(struct xnat_pcp_req_hdr)
#define MAP_LEN (PCP_HDR + sizeof(struct xnat_pcp_map))
#define PEER_LEN (PCP_HDR + sizeof(struct xnat_pcp_peer))
#define NONCE_SLOTS (2 * 65536)
#define QUOTA 8

static const __u32 clock_steps[4] = { 0, 1, 120, 7200 };
static const struct xnat_pcp_policy policy = {
	.min_lifetime = 120, .max_lifetime = 86400, .leases_per_host = QUOTA, .port_min = 20000, .port_max = 20127,
};

static struct xnat_map_fds m;
static struct xnat_pcp_server srv;
static __u32 now = BASE_TIME;
static unsigned long inputs;
static __u8 resp[XNAT_PCP_MAX_DATAGRAM], first[XNAT_PCP_MAX_DATAGRAM];

/* Stands in for xnatd's run of a first packet through the LAN program: both
 * entries of the session, its external port a function of the endpoints. */
static int fake_create(void *ctx, __u8 proto, __be32 int_addr, __be16 int_port, __be32 rem_addr, __be16 rem_port)
{
	struct xnat_flow_key ko = { .saddr = int_addr, .daddr = rem_addr, .sport = int_port, .dport = rem_port,
				    .proto = proto, .dir = XNAT_DIR_OUT };
	struct xnat_flow vo = { .addr = ext, .port = htons((__u16)(40000 + (ntohs(int_port) ^ ntohs(rem_port)) % 1000)),
				.last_seen = now };
	struct xnat_flow vi = { .addr = int_addr, .port = int_port, .last_seen = now };
	struct xnat_flow_key ki;

	(void)ctx;
	xnat_flow_in_key(&ko, &vo, &ki);
	if (bpf_map_update_elem(m.flows, &ko, &vo, BPF_ANY))
		return -errno;
	if (bpf_map_update_elem(m.flows, &ki, &vi, BPF_ANY)) {
		int e = errno;

		bpf_map_delete_elem(m.flows, &ko);
		return -e;
	}
	return 0;
}

/* Empty tables and a server that just started. */
static void reset(void)
{
	tables_clear(&m);
	memset(srv.nonce, 0, NONCE_SLOTS * sizeof(*srv.nonce));
	memset(&srv.count, 0, sizeof(srv.count));
	srv.epoch_start = BASE_TIME;
	now = BASE_TIME;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	lan_init();
	tables_create(&m, "fuzz_pcp");
	if (xnat_pcp_server_init(&srv, &m, &policy, BASE_TIME)) {
		fprintf(stderr, "fuzz_pcp: out of memory\n");
		exit(1);
	}
	return 0;
}

static __u16 be16_at(const __u8 *p)
{
	__u16 v;

	memcpy(&v, p, 2);
	return ntohs(v);
}

static __u32 be32_at(const __u8 *p)
{
	__u32 v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static void mapped(__u8 a[16], __be32 v4)
{
	memset(a, 0, 10);
	a[10] = a[11] = 0xff;
	memcpy(a + 12, &v4, 4);
}

static bool lease_is(__u8 owner, __u8 proto, __be32 host, __u16 int_port, __u16 ext_port, __u32 lifetime)
{
	struct xnat_lease l;

	return !xnat_lease_find(&m, owner, proto, host, int_port, ext_port, &l) && l.expires - now == lifetime;
}

static bool permitted(__u16 ext_port, __be32 host, __u16 int_port)
{
	return !srv.policy.rules || xnat_pm_permitted(srv.policy.rules, ext_port, host, int_port);
}

static void check_natpmp(__be32 src, const __u8 *req, size_t len, size_t n)
{
	__u8 op = req[1], proto = op == XNAT_NATPMP_OP_MAP_UDP ? IPPROTO_UDP : IPPROTO_TCP;
	__u16 result, int_port, ext_port;
	__u32 asked, granted;

	if (op >= XNAT_NATPMP_OP_RESPONSE || (op && op <= 2 && len < sizeof(struct xnat_natpmp_map_req))) {
		CHECK(n == 0, "answered %zu bytes to opcode %u of %zu bytes", n, op, len);
		return;
	}
	CHECK(n >= 8, "NAT-PMP answer of %zu bytes", n);
	CHECK(resp[0] == 0 && resp[1] == op + 128, "NAT-PMP answer %u/%u to opcode %u", resp[0], resp[1], op);
	CHECK(be32_at(resp + 4) == now - BASE_TIME, "epoch %u", be32_at(resp + 4));
	result = be16_at(resp + 2);
	if (op == XNAT_NATPMP_OP_ADDRESS) {
		CHECK(n == 12 && result == (srv.ext_addr ? 0 : 3) && !memcmp(resp + 8, &srv.ext_addr, 4),
		      "address answer: %zu bytes, result %u", n, result);
		return;
	}
	if (op > 2) {
		CHECK(n == 8 && result == XNAT_NATPMP_UNSUPP_OPCODE, "opcode %u: %zu bytes, result %u", op, n, result);
		return;
	}
	CHECK(n == 16, "map answer of %zu bytes", n);
	int_port = be16_at(req + 4);
	asked = be32_at(req + 8);
	ext_port = be16_at(resp + 10);
	granted = be32_at(resp + 12);
	CHECK(be16_at(resp + 8) == int_port, "internal port %u for %u", be16_at(resp + 8), int_port);
	CHECK(result == 0 || result == 2 || result == 3 || result == 4, "result %u", result);
	CHECK(srv.ext_addr || result == XNAT_NATPMP_NETWORK_FAILURE, "result %u without a WAN address", result);
	if (result || !asked) {
		CHECK(!ext_port && !granted, "result %u, lifetime %u: port %u for %u s", result, asked, ext_port,
		      granted);
		if (!result && int_port) {
			struct xnat_lease l;

			CHECK(xnat_lease_find(&m, XNAT_OWNER_NATPMP, proto, src, int_port, 0, &l),
			      "deleted, yet port %u still held", l.ext_port);
		}
		return;
	}
	CHECK(ext_port, "granted port 0");
	CHECK(granted >= policy.min_lifetime && granted <= policy.max_lifetime, "lifetime %u", granted);
	CHECK(lease_is(XNAT_OWNER_NATPMP, proto, src, int_port, ext_port, granted),
	      "granted %u -> %u for %u s: not in the table", int_port, ext_port, granted);
	CHECK(permitted(ext_port, src, int_port), "port %u against the rules", ext_port);
}

static void check_pcp(__be32 src, const __u8 *req, size_t len, size_t n)
{
	struct xnat_pcp_resp_hdr h;
	static const __u8 zero[12];
	size_t most = len < PCP_HDR ? PCP_HDR : len > XNAT_PCP_MAX_DATAGRAM ? XNAT_PCP_MAX_DATAGRAM : len;
	__u8 client[16], want_ext[16];
	__u32 asked, granted;

	if (req[1] & XNAT_PCP_RESPONSE_BIT) {
		CHECK(n == 0, "answered an answer (%zu bytes)", n);
		return;
	}
	CHECK(n >= PCP_HDR && n % 4 == 0 && n <= most, "PCP answer of %zu bytes to %zu", n, len);
	memcpy(&h, resp, sizeof(h));
	CHECK(h.version == XNAT_PCP_VERSION && h.opcode == (req[1] | XNAT_PCP_RESPONSE_BIT),
	      "version %u, opcode %#x to %#x", h.version, h.opcode, req[1]);
	CHECK(!h.reserved && !memcmp(h.reserved2, zero, sizeof(zero)), "reserved bytes set");
	CHECK(h.result <= XNAT_PCP_EXCESSIVE_REMOTE_PEERS, "result %u", h.result);
	CHECK(ntohl(h.epoch) == now - BASE_TIME, "epoch %u", ntohl(h.epoch));
	granted = ntohl(h.lifetime);
	if (h.result) {
		CHECK(granted == 30 || granted == 1800, "error %u lives %u s", h.result, granted);
		CHECK(req[0] == XNAT_PCP_VERSION || h.result == XNAT_PCP_UNSUPP_VERSION, "version %u: result %u",
		      req[0], h.result);
		CHECK(!memcmp(resp + PCP_HDR, req + PCP_HDR, n - PCP_HDR), "an error not echoing the request");
		return;
	}
	CHECK(req[0] == XNAT_PCP_VERSION && len >= PCP_HDR && len % 4 == 0 && len <= XNAT_PCP_MAX_DATAGRAM,
	      "success for version %u, %zu bytes", req[0], len);
	mapped(client, src);
	CHECK(!memcmp(req + 8, client, 16), "success with another client address");
	asked = be32_at(req + 4);
	mapped(want_ext, srv.ext_addr);
	switch (req[1]) {
	case XNAT_PCP_OP_ANNOUNCE:
		CHECK(n == PCP_HDR && !granted, "ANNOUNCE answer of %zu bytes, %u s", n, granted);
		break;
	case XNAT_PCP_OP_MAP: {
		struct xnat_pcp_map q, a;
		__be32 host = srv.last.host ? srv.last.host : src;

		CHECK(n >= MAP_LEN, "MAP answer of %zu bytes", n);
		memcpy(&q, req + PCP_HDR, sizeof(q));
		memcpy(&a, resp + PCP_HDR, sizeof(a));
		CHECK(!memcmp(a.nonce, q.nonce, 12) && a.protocol == q.protocol && a.internal_port == q.internal_port,
		      "MAP answer for another mapping");
		CHECK(srv.ext_addr, "MAP granted without a WAN address");
		if (!asked) {
			struct xnat_lease l;

			CHECK(!granted, "delete answered with %u s", granted);
			CHECK(xnat_lease_find(&m, XNAT_OWNER_PCP, q.protocol, host, ntohs(q.internal_port), 0, &l),
			      "deleted, yet port %u still held", l.ext_port);
			break;
		}
		CHECK(granted >= policy.min_lifetime && granted <= policy.max_lifetime, "lifetime %u", granted);
		CHECK(a.external_port && !memcmp(a.external_addr, want_ext, 16), "granted port %u",
		      ntohs(a.external_port));
		CHECK(lease_is(XNAT_OWNER_PCP, q.protocol, host, ntohs(q.internal_port), ntohs(a.external_port),
			       granted), "granted %u -> %u for %u s: not in the table", ntohs(q.internal_port),
		      ntohs(a.external_port), granted);
		CHECK(permitted(ntohs(a.external_port), host, ntohs(q.internal_port)), "port %u against the rules",
		      ntohs(a.external_port));
		{
			struct xnat_remote_filter f[XNAT_PORT_FILTERS];
			struct xnat_lease l;
			int nf;

			xnat_lease_find(&m, XNAT_OWNER_PCP, q.protocol, host, ntohs(q.internal_port), 0, &l);
			nf = xnat_pcp_filters_get(&m, &l, f);
			CHECK(nf >= 0 && nf <= XNAT_PORT_FILTERS, "%d filters", nf);
			for (int i = 0; i < nf; i++)
				CHECK(f[i].prefix_len >= 1 && f[i].prefix_len <= 32 &&
				      !(f[i].addr & ~xnat_prefix_mask(f[i].prefix_len)),
				      "filter %d: /%u with host bits", i, f[i].prefix_len);
		}
		break;
	}
	case XNAT_PCP_OP_PEER: {
		struct xnat_pcp_peer q, a;

		CHECK(n >= PEER_LEN, "PEER answer of %zu bytes", n);
		memcpy(&q, req + PCP_HDR, sizeof(q));
		memcpy(&a, resp + PCP_HDR, sizeof(a));
		CHECK(!memcmp(a.map.nonce, q.map.nonce, 12) && a.map.protocol == q.map.protocol &&
		      a.map.internal_port == q.map.internal_port && a.remote_port == q.remote_port &&
		      !memcmp(a.remote_addr, q.remote_addr, 16), "PEER answer for another session");
		if (asked) {
			struct xnat_flow_key k = { .saddr = srv.last.host ? srv.last.host : src,
						   .sport = q.map.internal_port, .dport = q.remote_port,
						   .proto = q.map.protocol, .dir = XNAT_DIR_OUT };
			struct xnat_flow v;

			memcpy(&k.daddr, q.remote_addr + 12, 4);
			CHECK(!bpf_map_lookup_elem(m.flows, &k, &v) && v.port == a.map.external_port &&
			      v.last_seen == now, "PEER answered port %u: not the session's", ntohs(a.map.external_port));
		}
		break;
	}
	default:
		CHECK(0, "success for opcode %u", req[1]);
	}
}

/* NAT-PMP + PCP leases per host: never over the quota. */
static void check_quota(void)
{
	static struct xnat_lease all[4096];
	int n = xnat_lease_list(&m, (1u << XNAT_OWNER_NATPMP) | (1u << XNAT_OWNER_PCP), all, 4096);

	CHECK(n >= 0 && n <= 4096, "%d leases", n);
	for (int i = 0; i < n; i++) {
		int same = 0;

		for (int j = 0; j < n; j++)
			same += all[j].int_addr == all[i].int_addr;
		CHECK(same <= QUOTA, "%d leases for one host", same);
	}
}

static __be32 configure(__u8 f)
{
	srv.peer_create = (f & 0x04) ? fake_create : NULL;
	srv.policy.allow_third_party = f & 0x08;
	srv.policy.rules = (f & 0x10) ? &rules : NULL;
	srv.ext_addr = (f & 0x20) ? 0 : ext;
	return hosts[f & 3];
}

static size_t handle(__be32 src, const __u8 *req, size_t len, uint64_t seed, __u8 fill)
{
	tables_rng = seed;
	memset(resp, fill, sizeof(resp));
	return xnat_pcp_handle(&srv, src, req, len, now, resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const __u8 *req = data + 1;
	size_t len, n, again;
	uint64_t seed;
	bool fresh;
	__be32 src;

	if (size < 1)
		return 0;
	len = size - 1;
	fresh = inputs++ % RESET_EVERY == 0;
	if (fresh)
		reset();
	now += clock_steps[data[0] >> 6];
	src = configure(data[0]);
	seed = fuzz_hash(data, size);

	n = handle(src, req, len, seed, 0xa5);
	CHECK(n <= XNAT_PCP_MAX_DATAGRAM, "answer of %zu bytes", n);
	if (len >= 2 && req[0] == XNAT_NATPMP_VERSION)
		check_natpmp(src, req, len, n);
	else if (len >= 2)
		check_pcp(src, req, len, n);
	else
		CHECK(n == 0, "answered %zu bytes to %zu", n, len);
	memcpy(first, resp, n);

	/* A retransmission gets the same answer. */
	again = handle(src, req, len, seed, 0x5a);
	CHECK(again == n && !memcmp(resp, first, n), "sent twice: %zu then %zu bytes, or other bytes", n, again);

	/* Emptied tables, the same input: the same answer. */
	if (fresh) {
		__u32 t = now;

		reset();
		now = t;
		again = handle(src, req, len, seed, 0x3c);
		CHECK(again == n && !memcmp(resp, first, n), "on fresh tables: %zu then %zu bytes, or other bytes", n,
		      again);
	}
	if (inputs % 16 == 0)
		check_quota();
	return 0;
}
