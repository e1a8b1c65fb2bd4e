/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * BPF_PROG_TEST_RUN harness: the real object, loaded unpinned, in a private
 * network namespace with a LAN and a WAN veth and permanent neighbours, so
 * that bpf_fib_lookup answers as on a gateway. TAP output.
 */
#ifndef XNAT_TEST_HARNESS_H
#define XNAT_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <xnat/nat.h>
#include <xnat/stats.h>
#include "pkt.h"
#include "xnat.skel.h"

#define H1 "192.168.1.10"
#define H2 "192.168.1.11"
#define GW_LAN "192.168.1.1"
#define EXT "198.51.100.1"
#define REM "198.51.100.2"
#define REM2 "198.51.100.3"

extern const uint8_t MAC_GW_LAN[6], MAC_GW_WAN[6], MAC_H1[6], MAC_H2[6], MAC_REM[6], MAC_REM2[6];

struct env {
	struct xnat_bpf *skel;
	int lan_ifindex, wan_ifindex;
	struct xnat_counter before[XNAT_STAT_MAX];
};
extern struct env env;

/* TAP: one line per check; the process exit status says if any failed. */
void t_ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void t_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int t_done(void);

int env_setup(void);
/* The same with table sizes (0: the object's defaults). */
int env_setup_sized(__u32 max_flows, __u32 max_mappings);
/* Empty every state map, default config (EIF, hairpin, 1024-65535), counters marked. */
void env_reset(void);
void cfg_edit(void (*edit)(struct xnat_config *c, long arg), long arg);
/* Packets counted as stat since the last env_reset()/stat_mark(). */
uint64_t stat_delta(enum xnat_stat stat);
void stat_mark(void);

/* Run a program on `in`; out gets the packet as it leaves. Returns the verdict, or -1. */
int run_prog(struct bpf_program *prog, int ifindex, const struct pkt *in, struct pkt *out,
	     __u32 repeat, __u32 *avg_ns);
int run_xdp_lan(const struct pkt *in, struct pkt *out);
int run_xdp_wan(const struct pkt *in, struct pkt *out);
int run_tc_ingress(const struct pkt *in, struct pkt *out);
int run_tc_egress(const struct pkt *in, struct pkt *out);

/* Byte-exact comparison; the first difference is printed as a TAP comment. */
bool pkt_same(const struct pkt *got, const struct pkt *want);

/* State checks. Ports host order. */
bool flow_exists(const char *saddr, uint16_t sport, const char *daddr, uint16_t dport, uint8_t proto,
		 enum xnat_dir dir, struct xnat_flow *val);
bool port_owner(uint16_t ext_port, uint8_t proto, struct xnat_port_owner *val);
uint64_t host_alloc(const char *host);

/* The test groups, one file each. */
void test_tcp_udp(void);
void test_icmp(void);
void test_fragments(void);
void test_filtering_forwards(void);
void test_hairpin(void);
void test_limits(void);
void test_passes(void);
void test_sip(void);

#endif

/* ---- packet specs of the test topology ---- */

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

enum { V_XDP_DROP = 1, V_XDP_PASS = 2, V_XDP_TX = 3, V_XDP_REDIRECT = 4, V_TC_OK = 0, V_TC_SHOT = 2 };

static inline struct pkt_spec flow_spec(uint8_t proto, const char *src, uint16_t sport, const char *dst,
					uint16_t dport)
{
	struct pkt_spec s = { .proto = proto, .src = src, .sport = sport, .dst = dst, .dport = dport,
			      .ttl = 64, .tcp_flags = TH_SYN, .ip_id = 0x4242 };

	if (proto == 1 /* ICMP */)
		s.icmp_type = 8; /* echo request, id = sport */
	return s;
}

/* As a LAN host sends it to the gateway. */
static inline struct pkt_spec from_lan(struct pkt_spec s, const uint8_t *host_mac)
{
	s.smac = host_mac;
	s.dmac = MAC_GW_LAN;
	return s;
}

/* As a WAN host sends it to the gateway. */
static inline struct pkt_spec from_wan(struct pkt_spec s, const uint8_t *host_mac)
{
	s.smac = host_mac;
	s.dmac = MAC_GW_WAN;
	return s;
}

/* As XDP forwards it: TTL - 1, Ethernet from the gateway to the next hop. */
static inline struct pkt_spec forwarded(struct pkt_spec s, const uint8_t *out_mac, const uint8_t *next_hop)
{
	s.ttl--;
	s.smac = out_mac;
	s.dmac = next_hop;
	return s;
}
