// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Program run times from BPF_PROG_TEST_RUN: see samples.h. */
#include <stdlib.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "samples.h"

void set_udp_ports(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t *udp = p->buf + 14 + 20;

	udp[0] = sport >> 8, udp[1] = sport & 0xff;
	udp[2] = dport >> 8, udp[3] = dport & 0xff;
	udp[6] = udp[7] = 0; /* no checksum: the ports can change freely */
}

/* Average program time (ns) over SAMPLES single runs of distinct packets:
 * flow i is H1:(2000 + i % 1000) -> REM:(2000 + i / 1000 % span). */
double sample(struct bpf_program *prog, int ifindex, struct pkt *tmpl, int reply,
	      unsigned int span, int new_each)
{
	struct pkt out;
	unsigned long long total = 0;
	__u32 ns;

	for (unsigned int i = 0; i < SAMPLES; i++) {
		unsigned int f = new_each ? i : (unsigned int)random() % (1000 * span);
		uint16_t lo = 2000 + f % 1000, hi = 2000 + (f / 1000) % 60000;

		if (reply)
			set_udp_ports(tmpl, hi, lo);
		else
			set_udp_ports(tmpl, lo, hi);
		run_prog(prog, ifindex, tmpl, &out, 1, &ns);
		total += ns;
	}
	return (double)total / SAMPLES;
}

/* Average program time (ns) of SAMPLES single runs of the same packet: one
 * flow, hot cache. (BPF_PROG_TEST_RUN's repeat would run the program on
 * the packet its first run rewrote: the LAN program then sees its own
 * external address as the source and drops it as spoofed.) */
double sample_one(struct bpf_program *prog, int ifindex, const struct pkt *p)
{
	unsigned long long total = 0;
	struct pkt out;
	__u32 ns;

	for (unsigned int i = 0; i < SAMPLES; i++) {
		run_prog(prog, ifindex, p, &out, 1, &ns);
		total += ns;
	}
	return (double)total / SAMPLES;
}

/* Open sessions H1:(2000 + i % 1000) -> REM:(2000 + i / 1000) for i < n, as the fast path does. */
void open_sessions(struct pkt *out_tmpl, unsigned int n)
{
	struct pkt out;

	for (unsigned int i = 0; i < n; i++) {
		set_udp_ports(out_tmpl, 2000 + i % 1000, 2000 + i / 1000);
		run_prog(env.skel->progs.xnat_xdp_lan, env.lan_ifindex, out_tmpl, &out, 1, NULL);
	}
}

void udp_templates(struct pkt *out, struct pkt *in)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 2000, REM, 2000), MAC_H1);

	s.udp_no_csum = true;
	pkt_build(out, &s);
	s = from_wan(flow_spec(IPPROTO_UDP, REM, 2000, EXT, 2000), MAC_REM);
	s.udp_no_csum = true;
	pkt_build(in, &s);
}

