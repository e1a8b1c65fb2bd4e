// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The BPF program tests: every group, in one private network namespace. */
#include <stdio.h>
#include <unistd.h>
#include "harness.h"

int main(void)
{
	if (geteuid() != 0) {
		printf("ok 1 - bpf program tests # SKIP need root\n1..1\n");
		return 0;
	}
	if (env_setup()) {
		t_ok(false, "test environment (netns, veth, BPF load)");
		return t_done();
	}
	test_tcp_udp();
	test_stack_path();
	test_icmp_echo();
	test_icmp_errors();
	test_fragments();
	test_filtering();
	test_forwards();
	test_hairpin();
	test_paths();
	test_limits();
	test_passes();
	test_malformed();
	test_corpus();
	test_sip();
	test_sip_alg();
	test_sip_slow();
	test_sip_tcp();
	test_mss();
	test_hop_cache();
	test_tcp_bulk();
	xnat_bpf__destroy(env.skel);
	return t_done();
}
