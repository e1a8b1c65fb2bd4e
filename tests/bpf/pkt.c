// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <string.h>
#include <netinet/in.h>
#include "pkt.h"

#define ETH_LEN PKT_ETH_LEN
#define IP_LEN 20
#define IP_MAX_OPT 40

uint32_t pkt_addr(const char *dotted)
{
	struct in_addr a;

	inet_pton(AF_INET, dotted, &a);
	return a.s_addr;
}

/* RFC 1071 over bytes, starting from a partial sum. */
uint16_t pkt_csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *b = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *b, uint16_t v) { b[0] = v >> 8; b[1] = v & 0xff; }

uint16_t pkt_get16(const struct pkt *p, size_t off)
{
	return off + 2 <= p->len ? (uint16_t)(p->buf[off] << 8 | p->buf[off + 1]) : 0;
}

static size_t ip_hdr_len(const struct pkt_spec *s)
{
	return IP_LEN + s->ip_opt_len;
}

static uint32_t pseudo_sum(const uint8_t *ip, uint8_t proto, size_t l4len)
{
	uint32_t sum = 0;

	for (int i = 12; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	return sum + proto + (uint32_t)l4len;
}

static void ip_header(uint8_t *ip, const struct pkt_spec *s, size_t total)
{
	uint32_t src = pkt_addr(s->src), dst = pkt_addr(s->dst);
	size_t hlen = ip_hdr_len(s);

	memset(ip, 0, IP_LEN);
	memset(ip + IP_LEN, 1 /* NOP */, s->ip_opt_len);
	ip[0] = (uint8_t)(0x40 | hlen / 4);
	put16(ip + 2, (uint16_t)total);
	put16(ip + 4, s->ip_id);
	put16(ip + 6, s->frag);
	ip[8] = s->ttl ? s->ttl : 64;
	ip[9] = s->proto;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, pkt_csum(ip, hlen, 0));
}

static size_t l4_build(uint8_t *l4, const struct pkt_spec *s)
{
	size_t hdr, body_len = s->payload_len;
	const uint8_t *body = s->payload;

	if (s->proto == IPPROTO_ICMP && s->quote) {
		body = s->quote->buf + ETH_LEN;
		body_len = s->quote_len;
	}
	switch (s->proto) {
	case IPPROTO_UDP:
		hdr = 8;
		memset(l4, 0, hdr);
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)(hdr + body_len));
		break;
	case IPPROTO_TCP:
		hdr = 20 + s->tcp_opt_len;
		memset(l4, 0, hdr);
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		if (s->tcp_seq) {
			put16(l4 + 4, (uint16_t)(s->tcp_seq >> 16));
			put16(l4 + 6, (uint16_t)s->tcp_seq);
		} else {
			l4[4] = 0x12, l4[7] = 0x34;      /* seq */
		}
		put16(l4 + 8, (uint16_t)(s->tcp_ack >> 16));
		put16(l4 + 10, (uint16_t)s->tcp_ack);
		if (s->tcp_opt_len)
			memcpy(l4 + 20, s->tcp_opts, s->tcp_opt_len);
		l4[12] = (uint8_t)((hdr / 4) << 4);
		l4[13] = s->tcp_flags;
		put16(l4 + 14, 65535);
		break;
	default: /* ICMP */
		hdr = 8;
		memset(l4, 0, hdr);
		l4[0] = s->icmp_type;
		l4[1] = s->icmp_code;
		if (!s->quote) {
			put16(l4 + 4, s->sport); /* echo identifier */
			put16(l4 + 6, 1);        /* sequence */
		}
		break;
	}
	if (body_len)
		memcpy(l4 + hdr, body, body_len);
	return hdr + body_len;
}

static void l4_csum(uint8_t *ip, uint8_t *l4, size_t l4len, const struct pkt_spec *s)
{
	uint16_t c;

	switch (s->proto) {
	case IPPROTO_UDP:
		if (s->udp_no_csum)
			return;
		c = pkt_csum(l4, l4len, pseudo_sum(ip, s->proto, l4len));
		put16(l4 + 6, c ? c : 0xffff);
		break;
	case IPPROTO_TCP:
		put16(l4 + 16, pkt_csum(l4, l4len, pseudo_sum(ip, s->proto, l4len)));
		break;
	default:
		put16(l4 + 2, pkt_csum(l4, l4len, 0));
	}
}

static void eth_header(uint8_t *eth, const struct pkt_spec *s)
{
	static const uint8_t zero[6];

	memcpy(eth, s->dmac ? s->dmac : zero, 6);
	memcpy(eth + 6, s->smac ? s->smac : zero, 6);
	eth[12] = 0x08, eth[13] = 0x00;
}

static bool spec_fits(const struct pkt_spec *s, size_t l4_len)
{
	return s->ip_opt_len % 4 == 0 && s->ip_opt_len <= IP_MAX_OPT &&
	       ETH_LEN + ip_hdr_len(s) + l4_len <= PKT_MAX;
}

int pkt_build(struct pkt *p, const struct pkt_spec *s)
{
	uint8_t *ip = p->buf + ETH_LEN, *l4 = ip + ip_hdr_len(s);
	size_t l4len;

	if (!spec_fits(s, 20 + s->payload_len + s->quote_len))
		return -1;
	memset(p->buf, 0, sizeof(p->buf));
	eth_header(p->buf, s);
	l4len = l4_build(l4, s);
	ip_header(ip, s, ip_hdr_len(s) + l4len);
	l4_csum(ip, l4, l4len, s);
	p->len = ETH_LEN + ip_hdr_len(s) + l4len;
	return 0;
}

int pkt_build_raw(struct pkt *p, const struct pkt_spec *s, const uint8_t *data, size_t len)
{
	if (!spec_fits(s, len))
		return -1;
	memset(p->buf, 0, sizeof(p->buf));
	eth_header(p->buf, s);
	ip_header(p->buf + ETH_LEN, s, ip_hdr_len(s) + len);
	memcpy(p->buf + ETH_LEN + ip_hdr_len(s), data, len);
	p->len = ETH_LEN + ip_hdr_len(s) + len;
	return 0;
}
