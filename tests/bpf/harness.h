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

/* ---- harness.c: TAP output, the environment, program runs ---- */

/* TAP: one line per check; the process exit status says if any failed. */
void t_ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void t_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int t_done(void);

/* Private netns with the topology, the object loaded, maps reset. */
int env_setup(void);
/* The same with table sizes (0: the object's defaults). */
int env_setup_sized(__u32 max_flows, __u32 max_mappings);
/* Another instance of the object, unpinned, with table sizes (0: the
 * object's defaults); a test may swap it into env.skel for a while. */
struct xnat_bpf *skel_load(__u32 max_flows, __u32 max_mappings);
/* Empty every state map, default config (EIF, hairpin, 1024-65535), counters marked. */
void env_reset(void);
/* Delete every entry of a hash map. */
void map_empty(struct bpf_map *map);
/* Edit the config as xnatd writes it: the routing generation moves on too. */
void cfg_edit(void (*edit)(struct xnat_config *c, long arg), long arg);
/* What xnatd does on a route, neighbour, address or link change: the
 * routing generation moves on, and every cached next hop is stale. */
void fib_changed(void);
void cfg_set_flags(struct xnat_config *c, long flags);
void cfg_set_filtering(struct xnat_config *c, long mode);
/* The SIP ALG on port 5060 for dirs (XNAT_SIP_DIR_*; 0: off). */
void cfg_set_sip(struct xnat_config *c, long dirs);
/* The XDP path: the WAN (XNAT_CFG_WAN_XDP) and the LAN interface (xdp_lans) or not. */
void cfg_set_xdp_path(struct xnat_config *c, long wan_and_lan);
/* The external address (network order, as pkt_addr() gives it). */
void cfg_set_ext(struct xnat_config *c, long addr);
/* Packets counted as stat (summed over CPUs) since the last env_reset()/stat_mark(). */
uint64_t stat_delta(enum xnat_stat stat);
void stat_mark(void);

/* Run a program on `in`; out gets the packet as it leaves. Returns the verdict, or -1. */
int run_prog(struct bpf_program *prog, int ifindex, const struct pkt *in, struct pkt *out,
	     __u32 repeat, __u32 *avg_ns);
int run_xdp_lan(const struct pkt *in, struct pkt *out);
int run_xdp_wan(const struct pkt *in, struct pkt *out);
int run_tc_ingress(const struct pkt *in, struct pkt *out);
int run_tc_egress(const struct pkt *in, struct pkt *out);
int run_tc_lan(const struct pkt *in, struct pkt *out);
typedef int (*run_fn)(const struct pkt *in, struct pkt *out);

/* ---- checks.c: what the tests check ---- */

/* Build s and run it; returns the verdict (-1: not built or not run). */
int run_spec(run_fn run, const struct pkt_spec *s, struct pkt *out);
/*
 * Run `in`; true when the verdict is `verdict` and the packet leaves exactly
 * as `want` (NULL: untouched). Mismatches are printed as TAP comments.
 * The counters are marked first: stat_delta()/counted_once() then see this run.
 * expect() builds both from specs; out, when given, gets the packet as it left.
 */
bool expect_pkt(run_fn run, const struct pkt *in, int verdict, const struct pkt *want, struct pkt *out);
bool expect(run_fn run, const struct pkt_spec *in, int verdict, const struct pkt_spec *want, struct pkt *out);
/* Byte-exact comparison; the first difference is printed as a TAP comment. */
bool pkt_same(const struct pkt *got, const struct pkt *want);
/* Since the last mark, exactly one packet verdict was counted and it was
 * `stat` (events such as new_session don't count as verdicts). Marks again. */
bool counted_once(enum xnat_stat stat);

/* Map state. Ports host order. */
bool flow_exists(const char *saddr, uint16_t sport, const char *daddr, uint16_t dport, uint8_t proto,
		 enum xnat_dir dir, struct xnat_flow *val);
bool port_owner(uint16_t ext_port, uint8_t proto, struct xnat_port_owner *val);
uint64_t host_alloc(const char *host);
/* External port of an internal endpoint in xnat_eim, 0 if none. */
uint16_t eim_port(const char *host, uint16_t port, uint8_t proto);
unsigned int map_entries(struct bpf_map *map);
/* A static forward (or lease) written into xnat_ports as xnatd would. */
void add_forward(uint8_t proto, uint16_t ext_port, const char *host, uint16_t port, __u8 owner);

/* The test groups, one file each. */
void test_tcp_udp(void);
void test_stack_path(void);
void test_icmp_echo(void);
void test_icmp_errors(void);
void test_fragments(void);
void test_filtering(void);
void test_forwards(void);
void test_hairpin(void);
void test_paths(void);
void test_limits(void);
void test_passes(void);
void test_malformed(void);
void test_corpus(void);
void test_sip(void);
void test_sip_alg(void);
void test_sip_slow(void);
void test_sip_tcp(void);
void test_mss(void);
void test_hop_cache(void);
void test_tcp_bulk(void);

/* ---- packet specs of the test topology ---- */

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

enum { V_XDP_DROP = 1, V_XDP_PASS = 2, V_XDP_TX = 3, V_XDP_REDIRECT = 4, V_TC_OK = 0, V_TC_SHOT = 2,
       V_TC_REDIRECT = 7 };

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

#endif
