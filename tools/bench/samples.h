/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Program run times from BPF_PROG_TEST_RUN over the harness's topology:
 * shared by `xnat-bench cost` and `xnat-bench profile`. */
#ifndef XNAT_BENCH_SAMPLES_H
#define XNAT_BENCH_SAMPLES_H

#include <bpf/libbpf.h>
#include "harness.h"

#define SAMPLES 20000u

/* The UDP ports of a template built by udp_templates(); its checksum 0. */
void set_udp_ports(struct pkt *p, uint16_t sport, uint16_t dport);
/* 64-byte UDP: out, H1:2000 -> REM:2000 from the LAN; in, its reply from the WAN. */
void udp_templates(struct pkt *out, struct pkt *in);
/* Open sessions H1:(2000 + i % 1000) -> REM:(2000 + i / 1000) for i < n, as the fast path does. */
void open_sessions(struct pkt *out_tmpl, unsigned int n);
/* Average program time (ns) over SAMPLES single runs of distinct packets:
 * flow i is H1:(2000 + i % 1000) -> REM:(2000 + i / 1000 % span), random
 * (fixed seed: srandom() by the caller), or each new (new_each). reply: the
 * WAN's side of the flow. */
double sample(struct bpf_program *prog, int ifindex, struct pkt *tmpl, int reply, unsigned int span,
	      int new_each);
/* The same over SAMPLES runs of one packet: one flow, hot cache. */
double sample_one(struct bpf_program *prog, int ifindex, const struct pkt *p);

#endif
