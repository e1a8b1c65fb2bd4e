// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <linux/if_ether.h>
#include "first_packet.h"

/* One's-complement sum of len bytes (len even), in network order. */
static __u32 sum16(const void *p, size_t len, __u32 sum)
{
	const __u8 *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)(b[i] << 8 | b[i + 1]);
	return sum;
}

static __u16 fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((__u16)~sum);
}

size_t xnat_first_packet(__u8 proto, __be32 src, __be16 sport, __be32 dst, __be16 dport, __u8 *out)
{
	struct ethhdr eth = { .h_proto = htons(ETH_P_IP) };
	struct iphdr ip = { .version = 4, .ihl = 5, .ttl = 64, .protocol = proto, .saddr = src, .daddr = dst,
			    .frag_off = htons(IP_DF) };
	size_t l4 = proto == IPPROTO_TCP ? sizeof(struct tcphdr) : proto == IPPROTO_UDP ? sizeof(struct udphdr) : 0;
	struct { __be32 src, dst; __u8 zero, proto; __be16 len; } pseudo = { src, dst, 0, proto, htons((__u16)l4) };
	__u8 seg[sizeof(struct tcphdr)] = { 0 };
	__u32 sum;

	if (!l4)
		return 0;
	ip.tot_len = htons((__u16)(sizeof(ip) + l4));
	ip.check = fold(sum16(&ip, sizeof(ip), 0));
	if (proto == IPPROTO_TCP) {
		struct tcphdr t = { .source = sport, .dest = dport, .doff = 5, .syn = 1, .window = htons(64240) };

		t.seq = htonl((__u32)ntohs(sport) << 16 | ntohs(dport)); /* any will do: never sent */
		memcpy(seg, &t, sizeof(t));
	} else {
		struct udphdr u = { .source = sport, .dest = dport, .len = htons((__u16)l4) };

		memcpy(seg, &u, sizeof(u));
	}
	sum = sum16(seg, l4, sum16(&pseudo, sizeof(pseudo), 0));
	/* Both checksum fields sit at different offsets; written last. */
	{
		__u16 c = fold(sum);

		if (proto == IPPROTO_UDP && !c)
			c = 0xffff; /* 0 would mean "no checksum" */

		memcpy(seg + (proto == IPPROTO_TCP ? 16 : 6), &c, 2);
	}
	memcpy(out, &eth, sizeof(eth));
	memcpy(out + sizeof(eth), &ip, sizeof(ip));
	memcpy(out + sizeof(eth) + sizeof(ip), seg, l4);
	return sizeof(eth) + sizeof(ip) + l4;
}
