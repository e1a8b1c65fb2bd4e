// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The shared SIP rewriter run as BPF (bpf/sip_selftest.bpf.c) must agree
 * byte for byte with the same source run in user space.
 */
#include <sched.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sip.h"
#include "harness.h"
#include "sip_selftest.skel.h"

static const char invite[] =
	"INVITE sip:bob@198.51.100.2:5060 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK776asdhds;rport\r\n"
	"To: Bob <sip:bob@198.51.100.2>\r\n"
	"From: Alice <sip:alice@192.168.1.10>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@192.168.1.10\r\n"
	"CSeq: 314159 INVITE\r\n"
	"m: <sip:alice@192.168.1.10:5060>\r\n"
	"Content-Type: application/sdp\r\n"
	"l: 104\r\n"
	"\r\n"
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 192.168.1.10\r\n"
	"c=IN IP4 192.168.1.10\r\n"
	"m=audio 49170 RTP/AVP 0\r\n";

/* The same rewrite in user space. */
static __u32 user_rewrite(const struct xnat_sip_subst *s, __u8 *out, __u32 *replaced)
{
	static __u8 in[XNAT_SIP_MAX];
	struct xnat_sip_scan sc;
	int n;


	memcpy(in, invite, sizeof(invite) - 1);
	xnat_sip_scan(in, sizeof(invite) - 1, &sc);
	n = xnat_sip_rewrite(in, &sc, out, s, replaced);
	return n < 0 ? 0 : (__u32)n;
}

void test_sip(void)
{
	struct xnat_sip_subst s = { .from = "192.168.1.10", .to = "203.0.113.200", .from_len = 12,
				    .to_len = 13, .sig_from = 5060, .sig_to = 1024,
				    .media_from = { 49170 }, .media_to = { 2000 }, .n_media = 1 };
	struct sip_selftest_bpf *skel = sip_selftest_bpf__open_and_load();
	static __u8 want[XNAT_SIP_MAX], got_all[XNAT_SIP_MAX * 2 * 256];
	int ncpu = libbpf_num_possible_cpus(), cpu;
	struct xdp_md ctx = { .data_end = sizeof(invite) - 1 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = invite, .data_size_in = sizeof(invite) - 1,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	__u32 want_len, want_repl, zero = 0;
	size_t stride;
	cpu_set_t set;

	t_ok(skel != NULL, "sip rewriter: the shared source passes the verifier (bpf_loop over a per-CPU scratch buffer)");
	if (!skel)
		return;
	skel->bss->sip_subst = s;
	want_len = user_rewrite(&s, want, &want_repl);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set); /* the run's scratch is CPU 0's */
	cpu = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.sip_rewrite_selftest), &opts);
	t_ok(!cpu && skel->bss->sip_out_len == want_len && skel->bss->sip_replaced == want_repl && want_repl == 8,
	     "sip rewriter in BPF: same length (%u) and replacements (%u) as in user space",
	     skel->bss->sip_out_len, skel->bss->sip_replaced);
	stride = bpf_map__value_size(skel->maps.sip_scratch);
	stride = (stride + 7) / 8 * 8;
	if (ncpu > 0 && (size_t)ncpu * stride <= sizeof(got_all) &&
	    !bpf_map_lookup_elem(bpf_map__fd(skel->maps.sip_scratch), &zero, got_all))
		t_ok(!memcmp(got_all + XNAT_SIP_MAX, want, want_len),
		     "sip rewriter in BPF: byte-identical output (addresses, signalling and media ports, l:)");
	else
		t_ok(false, "sip rewriter in BPF: read back the scratch buffer");
	CPU_ZERO(&set);
	for (int i = 0; i < ncpu && i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
	sip_selftest_bpf__destroy(skel);
}
