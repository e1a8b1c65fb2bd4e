// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `xnat-bench profile OBJDIR DIR`: what each stage of the established path
 * costs, by removal. OBJDIR holds the fast path built once per stage with
 * that stage left out (skip-<stage>.bpf.o, bpf/profile.h). Each variant
 * shares the maps of the real object (the harness's), so every one finds the
 * same sessions and config; all are sampled in alternation, round after
 * round, and the medians compared: a stage costs the full build's time less
 * the variant's. Writes DIR/profile.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "harness.h"
#include "samples.h"
#include "bench.skel.h"

#define ROUNDS 7

struct bench_bpf *bench_open_unpinned(void); /* xnat-bench.c */

static const struct stage {
	const char *name, *what;
} stages[] = {
	{ NULL, "the full program" },
	{ "parse", "the in-line parse's checks (the tuple still read)" },
	{ "lookup", "the flow table's hash lookup (a one-entry array instead)" },
	{ "clock", "the clock (bpf_ktime_get_coarse_ns) and the division to seconds" },
	{ "touch", "the flow entry's last-seen and flags (clock included)" },
	{ "stats", "the per-CPU counters (packet and redirect)" },
	{ "rewrite", "addresses, ports, checksums, TTL, Ethernet addresses" },
	{ "fib", "bpf_fib_lookup (a fixed next hop instead)" },
	{ "redirect", "bpf_redirect (XDP_TX instead)" },
};
#define NSTAGES (sizeof(stages) / sizeof(stages[0]))

struct variant {
	struct bpf_object *obj;
	struct bpf_program *lan, *wan;
	double out[ROUNDS], in[ROUNDS];
};

/* A variant sharing every map of the harness's object but its own data
 * sections and the map only it has. */
static struct bpf_object *variant_open(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_map *map, *mine;
	int err;

	if (!obj)
		return NULL;
	bpf_object__for_each_map(map, obj) {
		bpf_map__set_pin_path(map, NULL); /* the harness's maps, never pinned ones */
		if (bpf_map__is_internal(map))
			continue;
		mine = bpf_object__find_map_by_name(env.skel->obj, bpf_map__name(map));
		if (mine && bpf_map__reuse_fd(map, bpf_map__fd(mine))) {
			fprintf(stderr, "xnat-bench profile: %s: cannot share map %s\n", path, bpf_map__name(map));
			bpf_object__close(obj);
			return NULL;
		}
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "xnat-bench profile: %s: not loaded (%s)\n", path, strerror(-err));
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

/* The flow entry the lookup-less variant finds: the session's, either way. */
static void profile_flow_set(struct bpf_object *obj, const char *addr)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "xnat_profile_flow");
	struct xnat_flow f = { .port = htons(2000), .owner = XNAT_OWNER_DYNAMIC, .last_seen = 1 };
	__u32 zero = 0;

	if (!m)
		return;
	inet_pton(AF_INET, addr, &f.addr);
	bpf_map_update_elem(bpf_map__fd(m), &zero, &f, BPF_ANY);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	double s[ROUNDS];

	memcpy(s, v, sizeof(s));
	qsort(s, ROUNDS, sizeof(s[0]), cmp_double);
	return s[ROUNDS / 2];
}

/* The no-NAT limit in the same harness: bench_fwd (route, TTL, MACs,
 * redirect); and the floor, a program that does nothing. */
static void limit_cost(struct pkt *out_t, double *limit, double *floor)
{
	struct bench_bpf *b = bench_open_unpinned();

	*limit = *floor = 0;
	if (!b) {
		fprintf(stderr, "xnat-bench profile: the no-NAT programs: %s\n", strerror(errno));
		return;
	}
	*limit = sample(b->progs.bench_fwd, env.lan_ifindex, out_t, 0, 1, 0);
	*floor = sample(b->progs.bench_pass, env.lan_ifindex, out_t, 0, 1, 0);
	bench_bpf__destroy(b);
}

int cmd_profile(const char *objdir, const char *dir)
{
	static struct variant v[NSTAGES];
	struct pkt out_t, in_t;
	double full_out, full_in, limit, floor;
	char path[512];
	FILE *md;

	if (env_setup()) {
		fprintf(stderr, "xnat-bench profile: cannot set up the test namespace and object\n");
		return 1;
	}
	for (size_t i = 0; i < NSTAGES; i++) {
		if (!stages[i].name) {
			v[i].lan = env.skel->progs.xnat_xdp_lan;
			v[i].wan = env.skel->progs.xnat_xdp_wan;
			continue;
		}
		snprintf(path, sizeof(path), "%s/skip-%s.bpf.o", objdir, stages[i].name);
		v[i].obj = variant_open(path);
		if (!v[i].obj)
			return 1;
		v[i].lan = bpf_object__find_program_by_name(v[i].obj, "xnat_xdp_lan");
		v[i].wan = bpf_object__find_program_by_name(v[i].obj, "xnat_xdp_wan");
	}
	srandom(1);
	udp_templates(&out_t, &in_t);
	env_reset();
	open_sessions(&out_t, 1000);
	for (int r = 0; r < ROUNDS; r++) {
		for (size_t i = 0; i < NSTAGES; i++) {
			if (v[i].obj)
				profile_flow_set(v[i].obj, EXT);
			v[i].out[r] = sample(v[i].lan, env.lan_ifindex, &out_t, 0, 1, 0);
			if (v[i].obj)
				profile_flow_set(v[i].obj, H1);
			v[i].in[r] = sample(v[i].wan, env.wan_ifindex, &in_t, 1, 1, 0);
		}
	}
	limit_cost(&out_t, &limit, &floor);

	snprintf(path, sizeof(path), "%s/profile.md", dir);
	md = fopen(path, "w");
	if (!md)
		return 1;
	full_out = median(v[0].out);
	full_in = median(v[0].in);
	fprintf(md, "## What each stage of the established path costs (removal profile)\n\n");
	fprintf(md, "BPF_PROG_TEST_RUN, 64-byte UDP over 1k sessions, %u random samples per figure; the\n"
		    "fast path built once per stage with that stage left out (bpf/profile.h), all builds\n"
		    "sampled in alternation, median of %d rounds. A stage's cost: the full build's time\n"
		    "less the build without it. The test timer's own cost is in every figure.\n\n",
		SAMPLES, ROUNDS);
	fprintf(md, "| stage left out | LAN -> WAN (xnat_xdp_lan) ns | saved | WAN -> LAN (xnat_xdp_wan) ns | saved |\n");
	fprintf(md, "|---|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < NSTAGES; i++) {
		double o = median(v[i].out), n = median(v[i].in);

		if (!stages[i].name)
			fprintf(md, "| none: %s | %.0f | | %.0f | |\n", stages[i].what, o, n);
		else
			fprintf(md, "| %s: %s | %.0f | %.0f | %.0f | %.0f |\n", stages[i].name, stages[i].what, o,
				full_out - o, n, full_in - n);
	}
	fprintf(md, "\nIn the same harness: the no-NAT limit (bench_fwd: route lookup, TTL, MACs, redirect) "
		    "%.0f ns, and a program that does nothing (the timing's floor) %.0f ns. The full LAN -> WAN "
		    "program is %.0f ns %s the limit, %.0f ns above the floor.\n",
		limit, floor, full_out > limit ? full_out - limit : limit - full_out,
		full_out > limit ? "above" : "below", full_out - floor);
	fclose(md);
	for (size_t i = 0; i < NSTAGES; i++)
		bpf_object__close(v[i].obj);
	xnat_bpf__destroy(env.skel);
	return 0;
}
