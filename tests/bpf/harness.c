// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The test environment (netns, object, map resets), program runs, TAP output. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "maps.h"
#include "ports.h"
#include <xnat/slowpath.h>
#include "harness.h"
#include "progload.h"

const uint8_t MAC_GW_LAN[6] = { 2, 0, 0, 0, 1, 1 }, MAC_GW_WAN[6] = { 2, 0, 0, 0, 2, 1 };
const uint8_t MAC_H1[6] = { 2, 0, 0, 0, 0, 0x10 }, MAC_H2[6] = { 2, 0, 0, 0, 0, 0x11 };
const uint8_t MAC_REM[6] = { 2, 0, 0, 0, 0, 2 }, MAC_REM2[6] = { 2, 0, 0, 0, 0, 3 };

struct env env;
static int n_tests, n_failed;

void t_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	n_tests++;
	if (!cond)
		n_failed++;
	printf("%s %d - ", cond ? "ok" : "not ok", n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void t_note(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int t_done(void)
{
	printf("1..%d\n", n_tests);
	return n_failed ? 1 : 0;
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		t_note("setup command failed (%d): %s", rc, cmd);
	return rc;
}

/* A private netns: LAN veth xl (192.168.1.1), WAN veth xw (198.51.100.1),
 * permanent neighbours for the hosts the tests use. */
static int netns_setup(void)
{
	static const char *const cmds[] = {
		"ip link set lo up",
		"ip link add xl address 02:00:00:00:01:01 type veth peer name xl2",
		"ip link add xw address 02:00:00:00:02:01 type veth peer name xw2",
		"for i in xl xl2 xw xw2; do ip link set $i up; done",
		"ip addr add 192.168.1.1/24 dev xl",
		"ip addr add 198.51.100.1/24 dev xw",
		"ip neigh add 192.168.1.10 lladdr 02:00:00:00:00:10 dev xl nud permanent",
		"ip neigh add 192.168.1.11 lladdr 02:00:00:00:00:11 dev xl nud permanent",
		"ip neigh add 198.51.100.2 lladdr 02:00:00:00:00:02 dev xw nud permanent",
		"ip neigh add 198.51.100.3 lladdr 02:00:00:00:00:03 dev xw nud permanent",
		"echo 1 > /proc/sys/net/ipv4/ip_forward",
	};

	if (unshare(CLONE_NEWNET)) {
		t_note("unshare(CLONE_NEWNET): %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (sh(cmds[i]))
			return -1;
	env.lan_ifindex = if_nametoindex("xl");
	env.wan_ifindex = if_nametoindex("xw");
	return env.lan_ifindex && env.wan_ifindex ? 0 : -1;
}

struct table_sizes {
	__u32 max_flows, max_mappings;
};

static int set_sizes(struct xnat_bpf *skel, void *arg)
{
	const struct table_sizes *t = arg;

	if (t->max_flows)
		bpf_map__set_max_entries(skel->maps.xnat_flows, t->max_flows);
	if (t->max_mappings)
		bpf_map__set_max_entries(skel->maps.xnat_eim, t->max_mappings);
	return 0;
}

/* The last lines of a refused program's verifier log, as notes: enough to
 * see why, not the thousands of lines of the whole log. */
#define LOG_TAIL_LINES 20
static void note_log_tail(const char *path)
{
	char line[512], tail[LOG_TAIL_LINES][sizeof(line)];
	unsigned int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		snprintf(tail[n++ % LOG_TAIL_LINES], sizeof(line), "%s", line);
	fclose(f);
	t_note("the verifier's log, last %u of %u lines:", n < LOG_TAIL_LINES ? n : LOG_TAIL_LINES, n);
	for (unsigned int i = n > LOG_TAIL_LINES ? n - LOG_TAIL_LINES : 0; i < n; i++)
		t_note("  %.*s", (int)strcspn(tail[i % LOG_TAIL_LINES], "\n"), tail[i % LOG_TAIL_LINES]);
}

/* Loaded as xnatd loads it (agent/lib/progload.c), nothing pinned: tests
 * leave no trace. Every program must load: a refused one fails the suite,
 * with the end of its verifier log (the whole log is written to a scratch
 * directory, removed after). */
struct xnat_bpf *skel_load(__u32 max_flows, __u32 max_mappings)
{
	struct table_sizes t = { max_flows, max_mappings };
	char dir[] = "/tmp/xnat-bpf-tests.XXXXXX";
	struct xnat_load_opts o = { .prepare = set_sizes, .arg = &t, .policy = XNAT_LOAD_STRICT };
	struct xnat_load l;
	int err;

	o.log_dir = mkdtemp(dir);
	err = xnat_load_object(&o, &l);
	if (err) {
		t_note("loading the BPF object failed: %s", l.refused >= 0 ? l.prog[l.refused].reason
									 : strerror(-l.err));
		if (l.refused >= 0)
			t_note("refused: %s (verifier: %s)", l.prog[l.refused].name, l.prog[l.refused].reason);
		if (l.log_path[0])
			note_log_tail(l.log_path);
	}
	if (o.log_dir) {
		if (l.log_path[0])
			unlink(l.log_path);
		rmdir(o.log_dir);
	}
	return err ? NULL : l.skel;
}

int env_setup_sized(__u32 max_flows, __u32 max_mappings)
{
	if (netns_setup())
		return -1;
	env.skel = skel_load(max_flows, max_mappings);
	if (!env.skel)
		return -1;
	env_reset();
	return 0;
}

static void map_clear(int fd)
{
	char key[64];

	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key))
			break;
}

void map_empty(struct bpf_map *map)
{
	map_clear(bpf_map__fd(map));
}

/* xnat_ports is an array: free every slot. */
static void ports_clear(int fd)
{
	struct xnat_port_table t;

	if (xnat_ports_open(fd, true, &t))
		return;
	memset(t.slots, 0, XNAT_PORT_SLOTS * sizeof(*t.slots));
	xnat_ports_close(&t);
}

void stat_mark(void)
{
	xnat_stats_read(bpf_map__fd(env.skel->maps.xnat_stats), env.before);
}

uint64_t stat_delta(enum xnat_stat stat)
{
	struct xnat_counter now[XNAT_STAT_MAX];

	if (xnat_stats_read(bpf_map__fd(env.skel->maps.xnat_stats), now))
		return 0;
	return now[stat].packets - env.before[stat].packets;
}

void env_reset(void)
{
	struct xnat_bpf *s = env.skel;
	struct xnat_config c = {
		.ext_addr = pkt_addr(EXT), .wan_ifindex = env.wan_ifindex,
		.port_min = 1024, .port_max = 65535,
		.flags = XNAT_CFG_ENABLED | XNAT_CFG_HAIRPIN | XNAT_CFG_WAN_XDP,
		.filtering = XNAT_FILTER_ENDPOINT_INDEPENDENT,
		.timeout_udp = 300, .timeout_tcp_established = 7440,
		.timeout_tcp_transitory = 240, .timeout_icmp = 60,
		.xdp_lans = { env.lan_ifindex }, /* both interfaces on the XDP path */
		.fib_gen = 1,
	};
	__u32 zero = 0;

	map_clear(bpf_map__fd(s->maps.xnat_flows));
	map_clear(bpf_map__fd(s->maps.xnat_eim));
	ports_clear(bpf_map__fd(s->maps.xnat_ports));
	map_clear(bpf_map__fd(s->maps.xnat_adf));
	map_clear(bpf_map__fd(s->maps.xnat_frags));
	map_clear(bpf_map__fd(s->maps.xnat_host_alloc));
	map_clear(bpf_map__fd(s->maps.xnat_host_freed));
	map_clear(bpf_map__fd(s->maps.xnat_sip_dialogs));
	map_clear(bpf_map__fd(s->maps.xnat_sip_seqadj));
	map_clear(bpf_map__fd(s->maps.xnat_sip_host_opened));
	map_clear(bpf_map__fd(s->maps.xnat_sip_host_closed));
	bpf_map_update_elem(bpf_map__fd(s->maps.xnat_config), &zero, &c, BPF_ANY);
	bpf_map_update_elem(bpf_map__fd(s->maps.xnat_lan_ifaces), &env.lan_ifindex, &(__u32){ 1 }, BPF_ANY);
	bpf_map_update_elem(bpf_map__fd(s->maps.xnat_slow_state), &zero,
			    &(struct xnat_slow_state){ 0 }, BPF_ANY); /* no consumer */
	stat_mark();
}

void cfg_set_flags(struct xnat_config *c, long flags)
{
	c->flags = (__u32)flags;
}

void cfg_set_xdp_path(struct xnat_config *c, long wan_and_lan)
{
	c->flags = (c->flags & ~XNAT_CFG_WAN_XDP) | ((wan_and_lan & 1) ? XNAT_CFG_WAN_XDP : 0);
	memset(c->xdp_lans, 0, sizeof(c->xdp_lans));
	if (wan_and_lan & 2)
		c->xdp_lans[0] = (__u32)env.lan_ifindex;
}

void cfg_set_filtering(struct xnat_config *c, long mode)
{
	c->filtering = (__u8)mode;
}

void cfg_set_sip(struct xnat_config *c, long dirs)
{
	memset(c->sip, 0, sizeof(c->sip));
	if (dirs)
		c->sip[0] = (struct xnat_sip_port){ .port = 5060, .dirs = (__u8)dirs };
}

void cfg_set_ext(struct xnat_config *c, long addr)
{
	c->ext_addr = (__be32)addr;
}

void cfg_edit(void (*edit)(struct xnat_config *c, long arg), long arg)
{
	int fd = bpf_map__fd(env.skel->maps.xnat_config);
	struct xnat_config c;
	__u32 zero = 0;

	bpf_map_lookup_elem(fd, &zero, &c);
	edit(&c, arg);
	/* as xnatd's every config write: cached next hops are looked up again */
	if (c.fib_gen)
		c.fib_gen = xnat_fib_gen_next(c.fib_gen);
	bpf_map_update_elem(fd, &zero, &c, BPF_ANY);
}

static void cfg_keep(struct xnat_config *c, long arg)
{
	(void)c, (void)arg;
}

void fib_changed(void)
{
	cfg_edit(cfg_keep, 0);
}

int run_prog(struct bpf_program *prog, int ifindex, const struct pkt *in, struct pkt *out,
	     __u32 repeat, __u32 *avg_ns)
{
	struct xdp_md ctx = { .data_end = (__u32)in->len, .ingress_ifindex = (__u32)ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->buf, .data_size_in = (__u32)in->len,
		    .data_out = out->buf, .data_size_out = sizeof(out->buf), .repeat = repeat);
	int err;

	if (ifindex) {
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	memset(out->buf, 0, sizeof(out->buf));
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err) {
		t_note("BPF_PROG_TEST_RUN %s: %s", bpf_program__name(prog), strerror(-err));
		return -1;
	}
	out->len = opts.data_size_out;
	if (avg_ns)
		*avg_ns = opts.duration;
	return (int)opts.retval;
}

static int run(struct bpf_program *prog, int ifindex, const struct pkt *in, struct pkt *out)
{
	return run_prog(prog, ifindex, in, out, 1, NULL);
}

int run_xdp_lan(const struct pkt *in, struct pkt *out)
{
	return run(env.skel->progs.xnat_xdp_lan, env.lan_ifindex, in, out);
}

int run_xdp_wan(const struct pkt *in, struct pkt *out)
{
	return run(env.skel->progs.xnat_xdp_wan, env.wan_ifindex, in, out);
}

int run_tc_ingress(const struct pkt *in, struct pkt *out)
{
	return run(env.skel->progs.xnat_tc_ingress, 0, in, out);
}

int run_tc_egress(const struct pkt *in, struct pkt *out)
{
	return run(env.skel->progs.xnat_tc_egress, 0, in, out);
}

/* TC ingress on the LAN interface: the skb as if it came in by xl. */
int run_tc_lan(const struct pkt *in, struct pkt *out)
{
	struct __sk_buff ctx = { .ifindex = (__u32)env.lan_ifindex, .ingress_ifindex = (__u32)env.lan_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->buf, .data_size_in = (__u32)in->len,
		    .data_out = out->buf, .data_size_out = sizeof(out->buf), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err;

	memset(out->buf, 0, sizeof(out->buf));
	err = bpf_prog_test_run_opts(bpf_program__fd(env.skel->progs.xnat_tc_lan), &opts);
	if (err) {
		t_note("BPF_PROG_TEST_RUN xnat_tc_lan: %s", strerror(-err));
		return -1;
	}
	out->len = opts.data_size_out;
	return (int)opts.retval;
}

int env_setup(void)
{
	return env_setup_sized(0, 0);
}
