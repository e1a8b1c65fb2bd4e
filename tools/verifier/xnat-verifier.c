// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xnat-verifier: how the running kernel's verifier takes each program of
 * xnat's object: instructions processed (its budget: at most half of the
 * 1,000,000 it allows), states, time; or the reason it refuses one. Each
 * program the kernel refuses is left out and the rest loaded (the loader
 * xnatd uses, agent/lib/progload.c), so one refusal hides no other figure.
 *
 *   xnat-verifier            a table
 *   xnat-verifier --tap      a TAP line per program: ok when it loads within the budget
 *   xnat-verifier --tsv      kernel, program, insns, states, peak states, usec, verdict
 *   --budget N               the budget (default 500000)
 *
 * Exit 0 when every program loads within the budget, 1 otherwise. Root.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "progload.h"
#include "xnat.skel.h"

enum format { TABLE, TAP, TSV };

/* Maps as small as they go: only the programs are measured. */
static int small_maps(struct xnat_bpf *skel, void *arg)
{
	struct bpf_map *map;

	(void)arg;
	bpf_object__for_each_map(map, skel->obj) {
		enum bpf_map_type t = bpf_map__type(map);

		if (t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_LRU_HASH)
			bpf_map__set_max_entries(map, 64);
	}
	return 0;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

static const char *verdict(const struct xnat_prog_info *pi, unsigned long budget)
{
	if (pi->state != XNAT_PROG_LOADED)
		return "refused";
	return pi->insns > budget ? "over budget" : "ok";
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tap", no_argument, NULL, 'a' },
		{ "tsv", no_argument, NULL, 's' },
		{ "budget", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct xnat_load_opts o = { .prepare = small_maps, .policy = XNAT_LOAD_SURVEY };
	unsigned long budget = XNAT_VERIFIER_BUDGET;
	enum format fmt = TABLE;
	struct xnat_load l;
	int c, bad = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': fmt = TAP; break;
		case 's': fmt = TSV; break;
		case 'b': budget = strtoul(optarg, NULL, 10); break;
		case 'h':
			printf("usage: xnat-verifier [--tap | --tsv] [--budget N]\n");
			return 0;
		default: return 2;
		}
	}
	libbpf_set_print(quiet);
	if (xnat_load_object(&o, &l)) {
		if (fmt == TAP)
			printf("not ok 1 - verifier: the object does not load on Linux %s: %s\n1..1\n",
			       xnat_kernel_release(), strerror(-l.err));
		else
			fprintf(stderr, "xnat-verifier: the object does not load: %s\n", strerror(-l.err));
		return 1;
	}
	if (fmt == TABLE)
		printf("Linux %s, budget %lu instructions\n%-22s %9s %6s %7s %6s %9s  %s\n",
		       xnat_kernel_release(), budget, "program", "insns", "limit", "states", "peak",
		       "time (ms)", "verdict");
	for (unsigned int i = 0; i < l.n; i++) {
		const struct xnat_prog_info *pi = &l.prog[i];
		const char *v = verdict(pi, budget);
		double pct = 100.0 * pi->insns / XNAT_VERIFIER_LIMIT;

		bad |= strcmp(v, "ok") != 0;
		switch (fmt) {
		case TABLE:
			if (pi->state != XNAT_PROG_LOADED)
				printf("%-22s %9s %6s %7s %6s %9s  refused: %s\n", pi->name, "-", "-", "-", "-",
				       "-", pi->reason);
			else
				printf("%-22s %9u %5.1f%% %7u %6u %9.1f  %s\n", pi->name, pi->insns, pct, pi->states,
				       pi->peak_states, pi->verify_usec / 1000.0, v);
			break;
		case TAP:
			if (pi->state != XNAT_PROG_LOADED)
				printf("not ok %u - verifier: %s on Linux %s: refused: %s\n", i + 1, pi->name,
				       xnat_kernel_release(), pi->reason);
			else
				printf("%s %u - verifier: %s on Linux %s: %u instructions processed (%.1f%% of "
				       "the limit; budget %lu)\n",
				       strcmp(v, "ok") ? "not ok" : "ok", i + 1, pi->name, xnat_kernel_release(),
				       pi->insns, pct, budget);
			break;
		case TSV:
			printf("%s\t%s\t%u\t%u\t%u\t%u\t%s\t%s\n", xnat_kernel_release(), pi->name, pi->insns,
			       pi->states, pi->peak_states, pi->verify_usec, v,
			       pi->state == XNAT_PROG_LOADED ? "" : pi->reason);
			break;
		}
	}
	if (fmt == TAP)
		printf("1..%u\n", l.n);
	xnat_bpf__destroy(l.skel);
	return bad;
}
