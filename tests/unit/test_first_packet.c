// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The synthesized first packet (agent/lib/first_packet.c) PCP PEER runs
 * through the fast path: headers and checksums a receiver would accept. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <linux/if_ether.h>
#include <cmocka.h>
#include "first_packet.h"

/* The one's-complement sum over a buffer: 0xffff for a valid checksum. */
static __u16 sum(const __u8 *b, size_t len, __u32 acc)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		acc += (__u32)(b[i] << 8 | b[i + 1]);
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (__u16)acc;
}

static __u16 l4_sum(const __u8 *f, __u8 proto, size_t l4)
{
	__u8 pseudo[12];

	memcpy(pseudo, f + 14 + 12, 8); /* source and destination */
	pseudo[8] = 0;
	pseudo[9] = proto;
	pseudo[10] = (__u8)(l4 >> 8);
	pseudo[11] = (__u8)l4;
	return sum(f + 34, l4, sum(pseudo, sizeof(pseudo), 0));
}

static void check(__u8 proto, size_t l4)
{
	__u8 f[XNAT_FIRST_PACKET_MAX];
	struct iphdr ip;
	__be32 src = htonl(0xc0a8010a), dst = htonl(0xcb007105);
	size_t n = xnat_first_packet(proto, src, htons(5000), dst, htons(3478), f);

	assert_int_equal(n, 14 + 20 + l4);
	assert_int_equal(f[12] << 8 | f[13], ETH_P_IP);
	memcpy(&ip, f + 14, sizeof(ip));
	assert_int_equal(ip.version, 4);
	assert_int_equal(ip.ihl, 5);
	assert_int_equal(ip.protocol, proto);
	assert_int_equal(ntohs(ip.tot_len), 20 + l4);
	assert_true(ip.ttl > 1);
	assert_int_equal(ip.saddr, src);
	assert_int_equal(ip.daddr, dst);
	assert_int_equal(sum(f + 14, 20, 0), 0xffff);
	assert_int_equal(l4_sum(f, proto, l4), 0xffff);
	assert_int_equal(f[34] << 8 | f[35], 5000);
	assert_int_equal(f[36] << 8 | f[37], 3478);
}

static void test_udp(void **state)
{
	(void)state;
	check(IPPROTO_UDP, sizeof(struct udphdr));
}

static void test_tcp_syn(void **state)
{
	__u8 f[XNAT_FIRST_PACKET_MAX];
	struct tcphdr t;

	(void)state;
	check(IPPROTO_TCP, sizeof(struct tcphdr));
	xnat_first_packet(IPPROTO_TCP, 1, 2, 3, 4, f);
	memcpy(&t, f + 34, sizeof(t));
	assert_true(t.syn);
	assert_false(t.ack || t.rst || t.fin);
	assert_int_equal(t.doff, 5);
}

static void test_other_protocols(void **state)
{
	__u8 f[XNAT_FIRST_PACKET_MAX];

	(void)state;
	assert_int_equal(xnat_first_packet(IPPROTO_ICMP, 1, 2, 3, 4, f), 0);
	assert_int_equal(xnat_first_packet(47, 1, 2, 3, 4, f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_tcp_syn),
		cmocka_unit_test(test_other_protocols),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
