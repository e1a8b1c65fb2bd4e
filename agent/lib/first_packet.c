// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <linux/if_ether.h>
#include "first_packet.h"
#include "inet_csum.h"

/* A checksum field's value, network order. */
static __u16 csum_field(__u32 sum)
{
	return htons(xnat_inet_csum(sum));
}

size_t xnat_first_packet(__u8 proto, __be32 src, __be16 sport, __be32 dst, __be16 dport, __u8 *out)
{
	struct ethhdr eth = { .h_proto = htons(ETH_P_IP) };
	struct iphdr ip = { .version = 4, .ihl = 5, .ttl = 64, .protocol = proto, .saddr = src, .daddr = dst,
			    .frag_off = htons(IP_DF) };
	size_t l4 = proto == IPPROTO_TCP ? sizeof(struct tcphdr) : proto == IPPROTO_UDP ? sizeof(struct udphdr) : 0;
	struct { __be32 src, dst; __u8 zero, proto; __be16 len; } pseudo = { src, dst, 0, proto, htons((__u16)l4) };
	__u8 seg[sizeof(struct tcphdr)] = { 0 };
	__u16 csum;

	if (!l4)
		return 0;
	ip.tot_len = htons((__u16)(sizeof(ip) + l4));
	ip.check = csum_field(xnat_inet_sum(&ip, sizeof(ip), 0));
	if (proto == IPPROTO_TCP) {
		struct tcphdr t = { .source = sport, .dest = dport, .doff = 5, .syn = 1, .window = htons(64240) };

		t.seq = htonl((__u32)ntohs(sport) << 16 | ntohs(dport)); /* any will do: never sent */
		memcpy(seg, &t, sizeof(t));
	} else {
		struct udphdr u = { .source = sport, .dest = dport, .len = htons((__u16)l4) };

		memcpy(seg, &u, sizeof(u));
	}
	csum = csum_field(xnat_inet_sum(seg, l4, xnat_inet_sum(&pseudo, sizeof(pseudo), 0)));
	if (proto == IPPROTO_UDP && !csum)
		csum = 0xffff; /* 0 would mean "no checksum" */
	memcpy(seg + (proto == IPPROTO_TCP ? 16 : 6), &csum, 2); /* TCP's and UDP's checksum field */
	memcpy(out, &eth, sizeof(eth));
	memcpy(out + sizeof(eth), &ip, sizeof(ip));
	memcpy(out + sizeof(eth) + sizeof(ip), seg, l4);
	return sizeof(eth) + sizeof(ip) + l4;
}
