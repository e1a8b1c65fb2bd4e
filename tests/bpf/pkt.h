/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Test packets built from scratch, every checksum computed afresh (RFC 1071)
 * and never with the fast path's incremental helpers: an expected packet
 * built here is an independent check of the translated one.
 */
#ifndef XNAT_TEST_PKT_H
#define XNAT_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 3072 /* a SIP message of 2 KiB and its headers */
#define PKT_ETH_LEN 14
#define PKT_IP_OFF PKT_ETH_LEN
#define PKT_L4_OFF (PKT_ETH_LEN + 20) /* without IP options */

struct pkt {
	uint8_t buf[PKT_MAX];
	size_t len;
};

/* One IPv4 packet's description; addresses as dotted strings, ports host order. */
struct pkt_spec {
	const uint8_t *smac, *dmac;
	const char *src, *dst;
	uint8_t ttl;
	uint8_t proto;        /* IPPROTO_TCP / UDP / ICMP */
	uint16_t sport, dport; /* TCP/UDP ports; ICMP echo: sport = identifier */
	uint8_t tcp_flags;    /* TH_* */
	uint32_t tcp_seq;     /* 0: 0x12000034 */
	uint32_t tcp_ack;     /* written as given (the ACK flag is tcp_flags') */
	const uint8_t *tcp_opts; /* TCP options, tcp_opt_len bytes (a multiple of 4) */
	uint8_t tcp_opt_len;
	uint8_t icmp_type, icmp_code;
	uint16_t ip_id;
	uint16_t frag;        /* IP flags + fragment offset field, host order */
	uint8_t ip_opt_len;   /* bytes of IP options (NOPs), a multiple of 4 */
	bool udp_no_csum;     /* UDP checksum 0 (not computed) */
	const uint8_t *payload;
	size_t payload_len;
	/* ICMP errors: the quoted IP packet (taken from a struct pkt without its
	 * Ethernet header), cut to quote_len bytes */
	const struct pkt *quote;
	size_t quote_len;
};

/* Build eth + IPv4 + L4 (+ payload); returns 0, or -1 when it doesn't fit. */
int pkt_build(struct pkt *p, const struct pkt_spec *s);

/* A later fragment: eth + IPv4 header + raw bytes (no L4 header). */
int pkt_build_raw(struct pkt *p, const struct pkt_spec *s, const uint8_t *data, size_t len);

uint16_t pkt_csum(const void *data, size_t len, uint32_t sum);
uint32_t pkt_addr(const char *dotted); /* network order */

/* The 16-bit big-endian field at byte off of the frame (ports, checksums). */
uint16_t pkt_get16(const struct pkt *p, size_t off);

#endif
