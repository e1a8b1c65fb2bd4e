// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What the tests check: packets as they leave, verdicts, counters, map state. */
#include <arpa/inet.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "maps.h"
#include "mapwalk.h"
#include "harness.h"

/* Verdicts are every counter but the events counted on top of them. */
static bool is_event(unsigned int stat)
{
	return (stat >= XNAT_STAT_NEW_SESSION && stat <= XNAT_STAT_SIP_UNCHANGED_BAD_LENGTH) ||
	       stat == XNAT_STAT_TCP_MSS_CLAMPED || stat == XNAT_STAT_TCP_BULK_TO_STACK;
}

bool counted_once(enum xnat_stat stat)
{
	struct xnat_counter now[XNAT_STAT_MAX];
	uint64_t verdicts = 0;
	bool ok;

	if (xnat_stats_read(bpf_map__fd(env.skel->maps.xnat_stats), now))
		return false;
	for (unsigned int i = 0; i < XNAT_STAT_MAX; i++)
		if (!is_event(i))
			verdicts += now[i].packets - env.before[i].packets;
	ok = verdicts == 1 && now[stat].packets - env.before[stat].packets == 1;
	if (!ok)
		for (unsigned int i = 0; i < XNAT_STAT_MAX; i++)
			if (now[i].packets != env.before[i].packets)
				t_note("counted %s +%llu", xnat_stat_name(i),
				       (unsigned long long)(now[i].packets - env.before[i].packets));
	memcpy(env.before, now, sizeof(now));
	return ok;
}

bool pkt_same(const struct pkt *got, const struct pkt *want)
{
	if (got->len != want->len) {
		t_note("length %zu, expected %zu", got->len, want->len);
		return false;
	}
	for (size_t i = 0; i < got->len; i++) {
		if (got->buf[i] != want->buf[i]) {
			t_note("first difference at byte %zu: 0x%02x, expected 0x%02x", i, got->buf[i],
			       want->buf[i]);
			return false;
		}
	}
	return true;
}

int run_spec(run_fn run, const struct pkt_spec *s, struct pkt *out)
{
	struct pkt in;

	if (pkt_build(&in, s)) {
		t_note("test packet does not fit");
		return -1;
	}
	return run(&in, out);
}

bool expect_pkt(run_fn run, const struct pkt *in, int verdict, const struct pkt *want, struct pkt *out)
{
	struct pkt got;
	bool ok;
	int v;

	stat_mark(); /* counted_once() after this sees this run only */
	v = run(in, &got);
	ok = v == verdict;

	if (!ok)
		t_note("verdict %d, expected %d", v, verdict);
	ok = pkt_same(&got, want ? want : in) && ok;
	if (out)
		*out = got;
	return ok;
}

bool expect(run_fn run, const struct pkt_spec *in, int verdict, const struct pkt_spec *want, struct pkt *out)
{
	struct pkt pin, pwant;

	if (pkt_build(&pin, in) || (want && pkt_build(&pwant, want))) {
		t_note("test packet does not fit");
		return false;
	}
	return expect_pkt(run, &pin, verdict, want ? &pwant : NULL, out);
}

bool flow_exists(const char *saddr, uint16_t sport, const char *daddr, uint16_t dport, uint8_t proto,
		 enum xnat_dir dir, struct xnat_flow *val)
{
	struct xnat_flow_key k = { .saddr = pkt_addr(saddr), .daddr = pkt_addr(daddr),
				   .sport = htons(sport), .dport = htons(dport), .proto = proto,
				   .dir = (__u8)dir };
	struct xnat_flow v;

	return !bpf_map_lookup_elem(bpf_map__fd(env.skel->maps.xnat_flows), &k, val ? val : &v);
}

bool port_owner(uint16_t ext_port, uint8_t proto, struct xnat_port_owner *val)
{
	__u32 slot = (__u32)xnat_port_slot(proto, ext_port);
	struct xnat_port_owner v;

	if (bpf_map_lookup_elem(bpf_map__fd(env.skel->maps.xnat_ports), &slot, &v) || !v.in_use)
		return false;
	if (val)
		*val = v;
	return true;
}

uint64_t host_alloc(const char *host)
{
	__be32 k = pkt_addr(host);
	__u64 v = 0;

	bpf_map_lookup_elem(bpf_map__fd(env.skel->maps.xnat_host_alloc), &k, &v);
	return v;
}

void add_forward(uint8_t proto, uint16_t ext_port, const char *host, uint16_t port, __u8 owner)
{
	__u32 slot = (__u32)xnat_port_slot(proto, ext_port);
	struct xnat_port_owner o = { .int_addr = pkt_addr(host), .int_port = htons(port), .owner = owner,
				     .in_use = 1 };

	if (bpf_map_update_elem(bpf_map__fd(env.skel->maps.xnat_ports), &slot, &o, BPF_ANY))
		t_note("writing the forward of port %u failed", ext_port);
}

uint16_t eim_port(const char *host, uint16_t port, uint8_t proto)
{
	struct xnat_eim_key k = { .int_addr = pkt_addr(host), .int_port = htons(port), .proto = proto };
	struct xnat_eim v;

	if (bpf_map_lookup_elem(bpf_map__fd(env.skel->maps.xnat_eim), &k, &v))
		return 0;
	return ntohs(v.ext_port);
}

unsigned int map_entries(struct bpf_map *map)
{
	return xnat_map_count(bpf_map__fd(map));
}
