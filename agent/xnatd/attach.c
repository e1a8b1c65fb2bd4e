// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Attaching: XDP on every LAN interface and the WAN, TC ingress and egress on
 * the WAN. No libxdp dispatcher (its freplace load is refused on some
 * kernels): one program per interface, replaced atomically by a restarted
 * xnatd, so packets never cross an interface without a program.
 *
 * "Ours" means: a program that uses the xnat_config map pinned under this pin
 * root. That survives kill -9 (the programs stay attached, the pins stay) and
 * never touches another tool's XDP program.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xnat.skel.h"
#include "xnatd.h"

#define XNAT_TC_HANDLE 1
#define XNAT_TC_PRIO 1

/* Id of the config map pinned under pin_root, 0 when there is none. */
static __u32 pinned_config_id(const char *pin_root)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_root, XNAT_MAP_CONFIG);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

/* Is program prog_id an xnat program using the map config_id? */
static int prog_is_ours(__u32 prog_id, __u32 config_id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[64];
	int fd, ours = 0;

	if (!prog_id)
		return 0;
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return 0;
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (__u64)(unsigned long)ids;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strncmp(info.name, "xnat_", 5)) {
		for (__u32 i = 0; i < info.nr_map_ids && i < 64; i++)
			ours |= !config_id || ids[i] == config_id;
	}
	close(fd);
	return ours;
}

static void prog_name(__u32 prog_id, char *buf, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(prog_id);

	snprintf(buf, len, "id %u", prog_id);
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &ilen))
		snprintf(buf, len, "'%s' (id %u)", info.name, prog_id);
	if (fd >= 0)
		close(fd);
}

static __u32 xdp_mode_flags(enum xnat_xdp_mode mode)
{
	return mode == XNAT_XDP_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

static int attach_xdp(const char *ifname, unsigned int ifindex, struct bpf_program *prog,
		      enum xnat_xdp_mode mode, __u32 config_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	__u32 flags = xdp_mode_flags(mode);
	int err, old_fd = -1;

	if (!bpf_xdp_query(ifindex, 0, &q) && q.prog_id) {
		char name[64];

		if (!prog_is_ours(q.prog_id, config_id)) {
			prog_name(q.prog_id, name, sizeof(name));
			xlog_err("%s already has XDP program %s: detach it first", ifname, name);
			return -1;
		}
		old_fd = bpf_prog_get_fd_by_id(q.prog_id);
		if (old_fd >= 0 && (q.attach_mode == XDP_ATTACHED_SKB) == (mode == XNAT_XDP_SKB)) {
			opts.old_prog_fd = old_fd; /* atomic swap of the previous xnatd's program */
			flags |= XDP_FLAGS_REPLACE;
		} else if (old_fd >= 0) {
			/* Another mode: the old attachment goes first. */
			bpf_xdp_detach(ifindex, q.attach_mode == XDP_ATTACHED_SKB ?
				       XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE, NULL);
		}
	}
	err = bpf_xdp_attach(ifindex, bpf_program__fd(prog), flags, &opts);
	if (old_fd >= 0)
		close(old_fd);
	if (err) {
		xlog_err("cannot attach XDP (%s mode) to %s: %s", mode == XNAT_XDP_SKB ? "skb" : "native",
			 ifname, strerror(-err));
		return -1;
	}
	return 0;
}

static int attach_tc(const char *ifname, unsigned int ifindex, enum bpf_tc_attach_point point,
		     struct bpf_program *prog)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(prog), .handle = XNAT_TC_HANDLE,
		    .priority = XNAT_TC_PRIO, .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST) {
		xlog_err("cannot create the clsact qdisc on %s: %s", ifname, strerror(-err));
		return -1;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		xlog_err("cannot attach TC %s to %s: %s", point == BPF_TC_INGRESS ? "ingress" : "egress",
			 ifname, strerror(-err));
		return -1;
	}
	return 0;
}

static void detach_xdp_if_ours(unsigned int ifindex, __u32 config_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q) || !prog_is_ours(q.prog_id, config_id))
		return;
	bpf_xdp_detach(ifindex, q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE
								  : XDP_FLAGS_DRV_MODE, NULL);
}

static void detach_tc_if_ours(unsigned int ifindex, enum bpf_tc_attach_point point, __u32 config_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XNAT_TC_HANDLE, .priority = XNAT_TC_PRIO);

	if (bpf_tc_query(&hook, &opts) || !prog_is_ours(opts.prog_id, config_id))
		return;
	opts.prog_id = 0;
	opts.prog_fd = 0;
	opts.flags = 0;
	bpf_tc_detach(&hook, &opts);
}

void xnatd_detach_all(const char *pin_root)
{
	__u32 config_id = pinned_config_id(pin_root);
	struct if_nameindex *ifs = if_nameindex();

	if (!config_id) /* nothing pinned: nothing can be ours for sure */
		goto out;
	for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
		detach_xdp_if_ours(i->if_index, config_id);
		detach_tc_if_ours(i->if_index, BPF_TC_INGRESS, config_id);
		detach_tc_if_ours(i->if_index, BPF_TC_EGRESS, config_id);
	}
out:
	if (ifs)
		if_freenameindex(ifs);
}

int xnatd_attach(struct xnatd *d)
{
	const struct xnat_agent_config *c = &d->cfg;
	__u32 config_id = pinned_config_id(c->pin_root);
	struct xnat_bpf *s = d->skel;

	for (int i = 0; i < c->n_lan; i++) {
		if (c->xdp_mode == XNAT_XDP_NONE)
			detach_xdp_if_ours(d->lan_ifindex[i], config_id);
		else if (attach_xdp(c->lan[i], d->lan_ifindex[i], s->progs.xnat_xdp_lan, c->xdp_mode,
				    config_id))
			goto fail;
	}
	if (c->xdp_mode == XNAT_XDP_NONE)
		detach_xdp_if_ours(d->wan_ifindex, config_id);
	else if (attach_xdp(c->wan, d->wan_ifindex, s->progs.xnat_xdp_wan, c->xdp_mode, config_id))
		goto fail;
	if (attach_tc(c->wan, d->wan_ifindex, BPF_TC_INGRESS, s->progs.xnat_tc_ingress) ||
	    attach_tc(c->wan, d->wan_ifindex, BPF_TC_EGRESS, s->progs.xnat_tc_egress))
		goto fail;
	return 0;
fail:
	xnatd_detach_all(c->pin_root);
	return -1;
}

static void remove_dir(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	char sub[PATH_MAX + 256];

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (e->d_type == DT_DIR)
			remove_dir(sub);
		else
			unlink(sub);
	}
	closedir(dir);
	rmdir(path);
}

/* `xnatd --unload`: detach, then drop every pin (and with them all state). */
int xnatd_unload(const char *pin_root)
{
	if (access(pin_root, F_OK)) {
		fprintf(stderr, "xnatd: nothing to unload: %s: %s\n", pin_root, strerror(errno));
		return 0;
	}
	xnatd_detach_all(pin_root);
	remove_dir(pin_root);
	if (!access(pin_root, F_OK)) {
		fprintf(stderr, "xnatd: could not remove %s\n", pin_root);
		return 1;
	}
	return 0;
}
