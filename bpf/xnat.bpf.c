// SPDX-License-Identifier: GPL-2.0
/* Entry points of the fast path: thin wrappers over one NAT core. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "maps.h"

SEC("xdp")
int xnat_xdp_lan(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

SEC("xdp")
int xnat_xdp_wan(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

SEC("tc")
int xnat_tc_ingress(struct __sk_buff *skb)
{
	(void)skb;
	return 0;
}

SEC("tc")
int xnat_tc_egress(struct __sk_buff *skb)
{
	(void)skb;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
