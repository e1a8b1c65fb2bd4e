// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark helpers, not part of the gateway:
 *  - bench_sink: counts and drops what reaches the far end.
 *  - bench_fwd: the no-NAT limit: route lookup, TTL, MACs, redirect.
 *  - bench_pass: nothing at all, the floor of a BPF_PROG_TEST_RUN timing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "consts.h"
#include "parse.h"
#include "forward.h"

struct sink_count {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sink_count);
} sink_counts SEC(".maps");

/* Counts and drops the generator's frames (IPv4 UDP); the rest (ARP) goes on. */
SEC("xdp")
int bench_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	__u32 zero = 0;
	struct sink_count *c;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	c = bpf_map_lookup_elem(&sink_counts, &zero);
	if (c) {
		c->packets++;
		c->bytes += ctx->data_end - ctx->data;
	}
	return XDP_DROP;
}

SEC("xdp")
int bench_fwd(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct xnat_pkt p = {};
	struct bpf_fib_lookup fib;
	struct xnat_next_hop hop;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ttl <= 1)
		return XDP_PASS;
	p.t.proto = ip->protocol;
	p.tos = ip->tos;
	p.tot_len = bpf_ntohs(ip->tot_len);
	if (fib_lookup_v4(ctx, &p, ip->saddr, ip->daddr, &fib) != BPF_FIB_LKUP_RET_SUCCESS)
		return XDP_PASS;
	next_hop_of(&hop, &fib);
	ip_decrease_ttl(ip);
	eth_set_addrs(eth, &hop);
	return bpf_redirect(hop.ifindex, 0);
}

SEC("xdp")
int bench_pass(struct xdp_md *ctx __attribute__((unused)))
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
