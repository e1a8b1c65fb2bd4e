// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libbpf 1.1 loads an object's programs in one call and gives up at the
 * first one the kernel refuses. So: load with each program's verifier
 * statistics in a log buffer of its own (log level 4: a few lines, even on
 * refusal); when a feature's program is refused, open the object again
 * without it and load again. The program arrays the SIP ALG is tail-called
 * through are filled here, after the load, so that a program left out
 * leaves its array empty (the tail call falls through: no ALG, NAT intact).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xnat.skel.h"
#include "progload.h"

#define STATS_LOG_SIZE (64 * 1024)
#define FULL_LOG_SIZE (16u << 20)

enum xnat_feature xnat_prog_feature(const char *name)
{
	if (!strcmp(name, "xnat_sip_tc"))
		return XNAT_FEATURE_SIP_ALG;
	if (!strcmp(name, "xnat_sip_xdp"))
		return XNAT_FEATURE_SIP_XDP;
	if (!strcmp(name, "xnat_xdp_xmit_lost") || !strcmp(name, "xnat_xdp_redirect_err"))
		return XNAT_FEATURE_LOST_COUNT;
	return XNAT_FEATURE_NAT;
}

const char *xnat_feature_name(enum xnat_feature f)
{
	switch (f) {
	case XNAT_FEATURE_SIP_ALG: return "SIP ALG";
	case XNAT_FEATURE_SIP_XDP: return "SIP ALG in XDP (SIP messages take the stack path)";
	case XNAT_FEATURE_LOST_COUNT: return "count of redirected frames lost";
	default: return "NAT";
	}
}

/* ---------------------------------------------------------------- which program failed */

/* libbpf says which program it could not load ("prog 'NAME': failed to
 * load"); its print callback is the only place it does. The loader listens
 * while it loads and hands every other message on to whoever listened
 * before: the failure is the loader's to report, with the verifier's words. */
static libbpf_print_fn_t outer_print;
static char failed_prog[32];

static int listen_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	const char *at;
	va_list copy;

	va_copy(copy, ap);
	vsnprintf(line, sizeof(line), fmt, copy);
	va_end(copy);
	at = strstr(line, "prog '");
	if (at && (strstr(line, "failed to load") || strstr(line, "load failed")) && !failed_prog[0])
		sscanf(at, "prog '%31[^']'", failed_prog);
	if (strstr(line, "failed to load") || strstr(line, "load failed"))
		return 0;
	return outer_print ? outer_print(level, fmt, ap) : 0;
}

/* ---------------------------------------------------------------- the verifier's words */

static unsigned long long log_number(const char *log, const char *key)
{
	const char *at = strstr(log, key);

	return at ? strtoull(at + strlen(key), NULL, 10) : 0;
}

static void stats_of(const char *log, struct xnat_prog_info *pi)
{
	pi->insns = (__u32)log_number(log, "processed ");
	pi->states = (__u32)log_number(log, "total_states ");
	pi->peak_states = (__u32)log_number(log, "peak_states ");
	pi->verify_usec = (__u32)log_number(log, "verification time ");
}

static bool stats_line(const char *line, size_t n)
{
	static const char *const stats[] = { "verification time", "stack depth", "processed ",
					      "Func#", "Validating " };

	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
		if (n >= strlen(stats[i]) && !strncmp(line, stats[i], strlen(stats[i])))
			return true;
	return false;
}

/* The verifier's last message in log, without its statistics. */
static void reason_of(const char *log, int err, char *out, size_t len)
{
	const char *line = log, *best = NULL;
	size_t best_n = 0;

	while (*line) {
		size_t n = strcspn(line, "\n");

		if (n && !stats_line(line, n)) {
			best = line;
			best_n = n;
		}
		line += n + (line[n] == '\n');
	}
	if (best)
		snprintf(out, len, "%.*s", (int)best_n, best);
	else
		snprintf(out, len, "%s", strerror(err > 0 ? err : -err));
}

/* ---------------------------------------------------------------- one attempt */

struct attempt {
	struct xnat_bpf *skel;
	char *logs[XNAT_MAX_PROGS];
};

static void attempt_free(struct attempt *a)
{
	xnat_bpf__destroy(a->skel);
	a->skel = NULL;
	for (int i = 0; i < XNAT_MAX_PROGS; i++) {
		free(a->logs[i]);
		a->logs[i] = NULL;
	}
}

static bool left_out(const struct xnat_load *l, const char *name)
{
	for (unsigned int i = 0; i < l->n; i++)
		if (!strcmp(l->prog[i].name, name))
			return l->prog[i].state == XNAT_PROG_REFUSED;
	return false;
}

/*
 * The tests' way to have the kernel refuse a program, as an older or newer
 * kernel might: XNAT_TEST_REFUSE names programs (comma-separated) that are
 * loaded as socket filters, which may call none of their helpers: the
 * verifier refuses them, for real, with its own words.
 */
static bool test_refused(const char *name)
{
	const char *list = getenv("XNAT_TEST_REFUSE");
	size_t n = strlen(name);

	for (const char *at = list; at && *at; at += strcspn(at, ",") + (at[strcspn(at, ",")] == ',')) {
		if (!strncmp(at, name, n) && (at[n] == ',' || !at[n]))
			return true;
	}
	return false;
}

/* Open the object, set it up, load it; l's table is filled from the logs.
 * Returns 0, or the load's -errno with failed_prog naming the program. */
static int try_load(const struct xnat_load_opts *o, struct xnat_load *l, struct attempt *a)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = o->pin_root);
	struct bpf_program *prog;
	unsigned int i = 0;
	int err;

	a->skel = xnat_bpf__open_opts(&oo);
	if (!a->skel)
		return -errno;
	if (!o->pin_root) {
		struct bpf_map *map;

		bpf_object__for_each_map(map, a->skel->obj)
			bpf_map__set_pin_path(map, NULL);
	}
	if (o->prepare) {
		err = o->prepare(a->skel, o->arg);
		if (err)
			return err;
	}
	bpf_object__for_each_program(prog, a->skel->obj) {
		const char *name = bpf_program__name(prog);
		struct xnat_prog_info *pi;

		if (i >= XNAT_MAX_PROGS)
			return -E2BIG;
		pi = &l->prog[i];
		if (i >= l->n) { /* first attempt: the table's rows */
			snprintf(pi->name, sizeof(pi->name), "%s", name);
			pi->feature = xnat_prog_feature(name);
			pi->state = XNAT_PROG_LOADED;
			l->n = i + 1;
		}
		if (left_out(l, name)) {
			bpf_program__set_autoload(prog, false);
		} else {
			a->logs[i] = calloc(1, STATS_LOG_SIZE);
			if (!a->logs[i])
				return -ENOMEM;
			bpf_program__set_log_buf(prog, a->logs[i], STATS_LOG_SIZE);
			bpf_program__set_log_level(prog, 4); /* statistics only */
			if (test_refused(name))
				bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER);
		}
		i++;
	}
	failed_prog[0] = '\0';
	outer_print = libbpf_set_print(listen_print);
	err = xnat_bpf__load(a->skel);
	libbpf_set_print(outer_print);
	for (i = 0; i < l->n; i++) {
		struct xnat_prog_info *pi = &l->prog[i];

		if (a->logs[i] && pi->state == XNAT_PROG_LOADED)
			stats_of(a->logs[i], pi);
		if (err && a->logs[i] && !strcmp(pi->name, failed_prog)) {
			pi->state = XNAT_PROG_REFUSED;
			reason_of(a->logs[i], err, pi->reason, sizeof(pi->reason));
		}
	}
	return err;
}

/* ---------------------------------------------------------------- the full log */

/* Load the refused program alone (maps unpinned and tiny) with the whole
 * verifier log, into o's log directory or onto stderr. */
static void write_full_log(const struct xnat_load_opts *o, struct xnat_load *l, const char *name)
{
	struct xnat_bpf *skel;
	struct bpf_program *prog;
	struct bpf_map *map;
	char *log;
	FILE *f = stderr;

	if (!o->log_dir && !o->log_to_stderr)
		return;
	skel = xnat_bpf__open();
	log = calloc(1, FULL_LOG_SIZE);
	if (!skel || !log)
		goto out;
	bpf_object__for_each_map(map, skel->obj) {
		bpf_map__set_pin_path(map, NULL);
		if (bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF)
			bpf_map__set_max_entries(map, 1);
	}
	bpf_object__for_each_program(prog, skel->obj) {
		if (strcmp(bpf_program__name(prog), name)) {
			bpf_program__set_autoload(prog, false);
			continue;
		}
		bpf_program__set_log_buf(prog, log, FULL_LOG_SIZE);
		bpf_program__set_log_level(prog, 1 | 4);
		if (test_refused(name))
			bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER);
	}
	outer_print = libbpf_set_print(NULL);
	xnat_bpf__load(skel); /* refused again: the log is what it is for */
	libbpf_set_print(outer_print);
	if (o->log_dir) {
		snprintf(l->log_path, sizeof(l->log_path), "%s/verifier-%s.log", o->log_dir, name);
		f = fopen(l->log_path, "w");
		if (!f) {
			l->log_path[0] = '\0';
			goto out;
		}
	}
	fprintf(f, "# the verifier's log of %s on Linux %s%s\n", name, xnat_kernel_release(),
		strlen(log) >= FULL_LOG_SIZE - 1 ? " (cut at 16 MiB)" : "");
	fputs(log, f);
	if (f != stderr)
		fclose(f);
out:
	free(log);
	xnat_bpf__destroy(skel);
}

/* ---------------------------------------------------------------- the load */

static int fill_prog_arrays(struct xnat_bpf *skel)
{
	const struct { struct bpf_map *array; struct bpf_program *prog; } slots[] = {
		{ skel->maps.xnat_sip_xdp_prog, skel->progs.xnat_sip_xdp },
		{ skel->maps.xnat_sip_tc_prog, skel->progs.xnat_sip_tc },
	};
	__u32 zero = 0;

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		int fd = bpf_program__fd(slots[i].prog);

		if (fd < 0)
			continue; /* left out: the array stays empty */
		if (bpf_map_update_elem(bpf_map__fd(slots[i].array), &zero, &fd, BPF_ANY))
			return -errno;
	}
	return 0;
}

int xnat_load_object(const struct xnat_load_opts *opts, struct xnat_load *l)
{
	struct attempt a = {};
	int err = 0;

	memset(l, 0, sizeof(*l));
	l->refused = -1;
	/* At most one attempt per program: each retry leaves one more out. */
	for (int tries = 0; tries <= XNAT_MAX_PROGS; tries++) {
		int bad = -1;

		err = try_load(opts, l, &a);
		if (!err)
			break;
		for (unsigned int i = 0; i < l->n; i++)
			if (!strcmp(l->prog[i].name, failed_prog))
				bad = (int)i;
		attempt_free(&a);
		if (bad < 0)
			break; /* not a program's refusal (maps, memory): nothing to leave out */
		write_full_log(opts, l, l->prog[bad].name);
		if (opts->policy == XNAT_LOAD_STRICT ||
		    (opts->policy == XNAT_LOAD_DEGRADE && l->prog[bad].feature == XNAT_FEATURE_NAT)) {
			l->refused = bad;
			break;
		}
		l->features_off |= 1u << l->prog[bad].feature;
	}
	if (!err)
		err = fill_prog_arrays(a.skel);
	if (err) {
		attempt_free(&a);
		l->err = err;
		return -1;
	}
	for (int i = 0; i < XNAT_MAX_PROGS; i++)
		free(a.logs[i]);
	l->skel = a.skel;
	return 0;
}

int xnat_progs_publish(int fd, const struct xnat_load *l)
{
	for (__u32 i = 0; i < XNAT_MAX_PROGS; i++) {
		struct xnat_prog_info empty = {};
		const struct xnat_prog_info *pi = i < l->n ? &l->prog[i] : &empty;

		if (bpf_map_update_elem(fd, &i, pi, BPF_ANY))
			return -errno;
	}
	return 0;
}

const char *xnat_kernel_release(void)
{
	static struct utsname u;

	if (!u.release[0] && uname(&u))
		return "?";
	return u.release;
}

/* ---------------------------------------------------------------- kernel features */

int xnat_kernel_probe(char *why, size_t len)
{
	static const struct {
		enum bpf_prog_type type;
		enum bpf_func_id helper;
		const char *what, *since;
	} helpers[] = {
		{ BPF_PROG_TYPE_XDP, BPF_FUNC_fib_lookup, "bpf_fib_lookup in XDP", "4.18" },
		{ BPF_PROG_TYPE_XDP, BPF_FUNC_ringbuf_reserve, "BPF ring buffers", "5.8" },
		{ BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_check_mtu, "bpf_check_mtu", "5.12" },
		{ BPF_PROG_TYPE_XDP, BPF_FUNC_loop, "bpf_loop", "5.17" },
		{ BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_load_bytes, "bpf_xdp_load_bytes", "5.18" },
	};
	struct stat st;

	if (stat("/sys/kernel/btf/vmlinux", &st)) {
		snprintf(why, len, "the kernel's BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF) is missing");
		return -1;
	}
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, NULL) != 1 ||
	    libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL) != 1) {
		snprintf(why, len, "XDP or TC BPF programs can't be loaded (not root, or no CONFIG_BPF_SYSCALL?)");
		return -1;
	}
	/* XNAT_TEST_MISSING: a helper the tests make this kernel lack, by name */
	const char *missing = getenv("XNAT_TEST_MISSING");

	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++) {
		if ((missing && strstr(helpers[i].what, missing)) ||
		    libbpf_probe_bpf_helper(helpers[i].type, helpers[i].helper, NULL) != 1) {
			snprintf(why, len, "the kernel has no %s (Linux %s)", helpers[i].what, helpers[i].since);
			return -1;
		}
	}
	return 0;
}
