// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loading: the object is opened with pin_root_path, so every map pinned by a
 * previous xnatd (even one killed with -9) is reused and its state adopted;
 * maps not yet pinned are created and pinned. Programs are pinned under
 * <pin root>/progs for bpftool and xnatctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xnat.skel.h"
#include "progload.h"
#include "xnatd.h"

#define BPFFS "/sys/fs/bpf"

static int is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Whether this process has a mount namespace of its own (a service's
 * sandbox): a mount made here is seen by no one else. PID 1's namespace can
 * be read only with CAP_SYS_PTRACE, which the unit does not give; a systemd
 * service (INVOCATION_ID) under xnat's unit always has its own. */
static bool private_mount_ns(void)
{
	char self[64] = "", init[64] = "";

	if (readlink("/proc/self/ns/mnt", self, sizeof(self) - 1) >= 0 &&
	    readlink("/proc/1/ns/mnt", init, sizeof(init) - 1) >= 0)
		return strcmp(self, init) != 0;
	return getenv("INVOCATION_ID") != NULL;
}

/* bpffs mounted, pin root and progs/ created, and locked for this process. */
int xnatd_prepare_pin_root(struct xnatd *d)
{
	const char *root = d->cfg.pin_root;
	char progs[PATH_MAX + 16];
	int err;

	if (!is_bpffs(BPFFS) && !strncmp(root, BPFFS "/", strlen(BPFFS) + 1)) {
		if (mount("bpf", BPFFS, "bpf", 0, "mode=0700")) {
			xlog_err("cannot mount bpffs on %s: %s", BPFFS, strerror(errno));
			return -1;
		}
		xlog_info("mounted bpffs on %s", BPFFS);
		if (private_mount_ns())
			xlog_warn("that bpffs is in this process' own mount namespace (a service sandbox's): "
				  "xnatctl, bpftool and the next start won't see the pins and the state goes "
				  "with this process; mount bpffs on %s before starting xnatd", BPFFS);
	}
	snprintf(progs, sizeof(progs), "%s/progs", root);
	err = mkdir_p(progs);
	if (err) {
		xlog_err("cannot create %s: %s", progs, strerror(-err));
		return -1;
	}
	if (!is_bpffs(root)) {
		xlog_err("pin root %s is not on a bpf filesystem", root);
		return -1;
	}
	d->lock_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->lock_fd < 0 || flock(d->lock_fd, LOCK_EX | LOCK_NB)) {
		xlog_err("pin root %s is in use by another xnatd (%s)", root, strerror(errno));
		return -1;
	}
	return 0;
}

int xnatd_pinned_map(const char *pin_root, const char *name, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);
	char path[PATH_MAX + 64];
	int fd;

	memset(info, 0, sizeof(*info));
	snprintf(path, sizeof(path), "%s/%s", pin_root, name);
	fd = bpf_obj_get(path);
	if (fd >= 0 && bpf_obj_get_info_by_fd(fd, info, &len)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* A pinned map keeps its size: resizing would need a new, empty map. */
static void adopt_pinned_size(const char *root, struct bpf_map *map, __u32 want)
{
	struct bpf_map_info info;
	int fd = xnatd_pinned_map(root, bpf_map__name(map), &info);

	if (fd < 0) {
		bpf_map__set_max_entries(map, want);
		return;
	}
	if (info.max_entries != want)
		xlog_warn("%s keeps its pinned size %u (%u wanted): sizes change after `xnatd --unload`",
			  bpf_map__name(map), info.max_entries, want);
	bpf_map__set_max_entries(map, info.max_entries);
	close(fd);
}

static int pin_programs(struct xnatd *d)
{
	struct bpf_program *prog;
	char path[PATH_MAX + 64];

	struct bpf_map *arrays[] = { d->skel->maps.xnat_sip_xdp_prog, d->skel->maps.xnat_sip_tc_prog };

	bpf_object__for_each_program(prog, d->skel->obj) {
		snprintf(path, sizeof(path), "%s/progs/%s", d->cfg.pin_root, bpf_program__name(prog));
		unlink(path); /* a previous xnatd's program; its attachments are replaced next */
		if (bpf_program__fd(prog) < 0)
			continue; /* refused by this kernel: its feature is off */
		if (bpf_program__pin(prog, path)) {
			xlog_err("cannot pin %s: %s", path, strerror(errno));
			return -1;
		}
	}
	/* The kernel empties a program array when no file refers to it any
	 * more: pinned, the SIP programs stay reachable after xnatd exits
	 * (SIGUSR2 handover, a crash) with the entry points still attached. */
	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++) {
		snprintf(path, sizeof(path), "%s/progs/%s", d->cfg.pin_root, bpf_map__name(arrays[i]));
		unlink(path);
		if (bpf_map__pin(arrays[i], path)) {
			xlog_err("cannot pin %s: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int prepare_skeleton(struct xnat_bpf *skel, void *arg)
{
	const struct xnat_agent_config *c = arg;

	adopt_pinned_size(c->pin_root, skel->maps.xnat_flows, 2 * c->max_sessions);
	xnatd_flows_set_aside(c->pin_root); /* an older xnat's: taken over after the load */
	adopt_pinned_size(c->pin_root, skel->maps.xnat_eim, c->max_mappings);
	adopt_pinned_size(c->pin_root, skel->maps.xnat_adf, c->max_mappings);
	/* An older xnat's slow-path ring (1 MiB; 2 MiB now) is kept as it is. */
	adopt_pinned_size(c->pin_root, skel->maps.xnat_slow_frames, bpf_map__max_entries(skel->maps.xnat_slow_frames));
	return 0;
}

/* Where the full verifier log of a refused program goes: the state
 * directory, when it can be made. */
static const char *log_dir(const struct xnat_agent_config *c)
{
	if (mkdir(c->state_dir, 0755) && errno != EEXIST)
		return NULL;
	return c->state_dir;
}

static void say_refused(const struct xnat_load *l)
{
	const struct xnat_prog_info *pi = &l->prog[l->refused];

	xlog_err("cannot start: the kernel refused the program %s", pi->name);
	fprintf(stderr, "  kernel:   Linux %s\n", xnat_kernel_release());
	fprintf(stderr, "  verifier: %s\n", pi->reason);
	if (l->log_path[0])
		fprintf(stderr, "  full log: %s\n", l->log_path);
	fprintf(stderr, "  xnat needs Linux %s or newer and is tested on 6.1 and 6.18; nothing was attached.\n",
		XNAT_MIN_KERNEL);
}

/* Each feature the kernel refused: one line (the full log is in the file). */
static void warn_features_off(const struct xnat_load *l)
{
	for (unsigned int i = 0; i < l->n; i++) {
		const struct xnat_prog_info *pi = &l->prog[i];

		if (pi->state != XNAT_PROG_REFUSED)
			continue;
		xlog_warn("%s off: Linux %s refused %s: %s%s%s", xnat_feature_name(pi->feature),
			  xnat_kernel_release(), pi->name, pi->reason, l->log_path[0] ? "; log: " : "",
			  l->log_path);
	}
}

/*
 * Load the programs for this kernel: a SIP program it refuses turns the ALG
 * off (NAT runs without it), a core program it refuses stops xnatd here,
 * before anything is attached. verbose: the full verifier log of a refused
 * program on the terminal rather than in a file of the state directory.
 */
int xnatd_load_programs(const struct xnat_agent_config *c, const char *pin_root, bool verbose,
			struct xnat_load *l)
{
	struct xnat_load_opts o = {
		.prepare = pin_root ? prepare_skeleton : NULL, .arg = (void *)c, .pin_root = pin_root,
		.policy = XNAT_LOAD_DEGRADE, .log_to_stderr = verbose,
		.log_dir = verbose ? NULL : log_dir(c),
	};
	char why[256];

	if (xnat_kernel_probe(why, sizeof(why))) {
		xlog_err("cannot start: %s; xnat needs Linux %s or newer (tested on 6.1 and 6.18), this is %s",
			 why, XNAT_MIN_KERNEL, xnat_kernel_release());
		return -1;
	}
	if (xnat_load_object(&o, l)) {
		if (pin_root)
			xnatd_flows_put_back(pin_root);
		if (l->refused >= 0)
			say_refused(l);
		else
			xlog_err("cannot load the BPF programs: %s%s", strerror(-l->err),
				 l->err == -EINVAL ? " (pinned maps from an older xnat? run `xnatd --unload`)" : "");
		return -1;
	}
	warn_features_off(l);
	return 0;
}

int xnatd_load(struct xnatd *d)
{
	const struct xnat_agent_config *c = &d->cfg;
	struct xnat_load l;

	if (xnatd_load_programs(c, c->pin_root, d->verbose, &l))
		return -1;
	d->skel = l.skel;
	d->features_off = l.features_off;
	d->maps.config = bpf_map__fd(d->skel->maps.xnat_config);
	d->maps.flows = bpf_map__fd(d->skel->maps.xnat_flows);
	d->maps.eim = bpf_map__fd(d->skel->maps.xnat_eim);
	d->maps.ports = bpf_map__fd(d->skel->maps.xnat_ports);
	d->maps.adf = bpf_map__fd(d->skel->maps.xnat_adf);
	d->maps.frags = bpf_map__fd(d->skel->maps.xnat_frags);
	d->maps.host_alloc = bpf_map__fd(d->skel->maps.xnat_host_alloc);
	d->maps.host_freed = bpf_map__fd(d->skel->maps.xnat_host_freed);
	d->maps.stats = bpf_map__fd(d->skel->maps.xnat_stats);
	d->maps.sip_dialogs = bpf_map__fd(d->skel->maps.xnat_sip_dialogs);
	d->maps.sip_seqadj = bpf_map__fd(d->skel->maps.xnat_sip_seqadj);
	d->maps.port_filters = bpf_map__fd(d->skel->maps.xnat_port_filters);
	d->maps.lan_ifaces = bpf_map__fd(d->skel->maps.xnat_lan_ifaces);
	d->maps.sip_opened = bpf_map__fd(d->skel->maps.xnat_sip_host_opened);
	d->maps.sip_closed = bpf_map__fd(d->skel->maps.xnat_sip_host_closed);
	xnatd_flows_take_over(d, 0);
	if (xnat_progs_publish(bpf_map__fd(d->skel->maps.xnat_progs), &l))
		xlog_warn("cannot write %s: %s", XNAT_MAP_PROGS, strerror(errno));
	return pin_programs(d);
}

/* The skeleton owns the map fds in d->maps: they close with it. */
void xnatd_unload_skeleton(struct xnatd *d)
{
	xnat_bpf__destroy(d->skel);
	d->skel = NULL;
	xnat_maps_init(&d->maps);
}

/*
 * bpffs holds no regular files, so the pid is a symlink to /proc/PID:
 * `test -e` on it is true exactly while this xnatd runs, and readlink()
 * gives the pid to xnatctl.
 */
int xnatd_write_pidlink(const char *pin_root)
{
	char path[PATH_MAX + 16], target[64];

	snprintf(path, sizeof(path), "%s/xnatd_pid", pin_root);
	snprintf(target, sizeof(target), "/proc/%d", (int)getpid());
	unlink(path);
	if (symlink(target, path)) {
		xlog_warn("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void xnatd_remove_pidlink(const char *pin_root)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/xnatd_pid", pin_root);
	unlink(path);
}
