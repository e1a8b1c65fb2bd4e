// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Attaching: TC first, on every interface (ingress and egress on the WAN,
 * ingress on each LAN interface for the hairpin), so that every packet has a
 * translator; then XDP where it delivers (paths.c), and the config told
 * which interfaces XDP may redirect to. No libxdp dispatcher (its freplace
 * load is refused on some kernels): one program per interface, replaced
 * atomically by a restarted xnatd, so packets never cross an interface
 * without a program.
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
__u32 xnatd_config_id(const char *pin_root)
{
	struct bpf_map_info info;
	int fd = xnatd_pinned_map(pin_root, XNAT_MAP_CONFIG, &info);

	if (fd < 0)
		return 0;
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

/* Attach prog in path's mode; quiet: leave the error to the caller
 * (--xdp-mode auto takes TC where a driver refuses XDP). 0 or -errno. */
int xnatd_attach_xdp(const char *ifname, unsigned int ifindex, struct bpf_program *prog,
		      enum xnat_link_path path, __u32 config_id, bool quiet)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	bool skb = path == XNAT_PATH_XDP_SKB;
	__u32 flags = skb ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	int err, old_fd = -1;

	if (!bpf_xdp_query(ifindex, 0, &q) && q.prog_id) {
		char name[64];

		if (!prog_is_ours(q.prog_id, config_id)) {
			prog_name(q.prog_id, name, sizeof(name));
			xlog_err("%s already has XDP program %s: detach it first", ifname, name);
			return -EBUSY;
		}
		old_fd = bpf_prog_get_fd_by_id(q.prog_id);
		if (old_fd >= 0 && (q.attach_mode == XDP_ATTACHED_SKB) == skb) {
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
	if (err && !quiet)
		xlog_err("cannot attach XDP (%s mode) to %s: %s", skb ? "skb" : "native", ifname, strerror(-err));
	return err;
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

void xnatd_detach_xdp(unsigned int ifindex, __u32 config_id)
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

/* <pin root>/progs/link_NAME: the lost-redirect counters stay attached
 * while xnatd restarts, as the programs on the interfaces do. */
static void link_pin_path(const char *pin_root, const char *name, char *path, size_t len)
{
	snprintf(path, len, "%s/progs/link_%s", pin_root, name);
}

/* The tracepoint programs that count lost redirects. */
static const char *const lost_counters[] = { "xnat_xdp_xmit_lost", "xnat_xdp_redirect_err" };

static void attach_lost_counters(struct xnatd *d)
{
	char path[PATH_MAX + 64];

	for (size_t i = 0; i < sizeof(lost_counters) / sizeof(lost_counters[0]); i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(d->skel->obj, lost_counters[i]);
		struct bpf_link *link;

		link_pin_path(d->cfg.pin_root, lost_counters[i], path, sizeof(path));
		unlink(path); /* a previous xnatd's */
		if (!prog || bpf_program__fd(prog) < 0)
			continue; /* refused by this kernel: said at load */
		link = bpf_program__attach(prog);
		if (!link || bpf_link__pin(link, path))
			xlog_warn("lost redirects are not counted: cannot attach %s: %s", lost_counters[i],
				  strerror(errno));
		bpf_link__destroy(link); /* the pin holds it */
	}
}

static void detach_lost_counters(const char *pin_root)
{
	char path[PATH_MAX + 64];

	for (size_t i = 0; i < sizeof(lost_counters) / sizeof(lost_counters[0]); i++) {
		link_pin_path(pin_root, lost_counters[i], path, sizeof(path));
		unlink(path);
	}
}

void xnatd_detach_all(const char *pin_root)
{
	__u32 config_id = xnatd_config_id(pin_root);
	struct if_nameindex *ifs = if_nameindex();

	detach_lost_counters(pin_root);
	if (!config_id) /* nothing pinned: nothing can be ours for sure */
		goto out;
	for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
		xnatd_detach_xdp(i->if_index, config_id);
		detach_tc_if_ours(i->if_index, BPF_TC_INGRESS, config_id);
		detach_tc_if_ours(i->if_index, BPF_TC_EGRESS, config_id);
	}
out:
	if (ifs)
		if_freenameindex(ifs);
}

/* XDP on link l where it delivers (paths.c), its path and why in l. */
static int attach_link_xdp(struct xnatd *d, struct xnat_link_info *l, __u32 config_id)
{
	struct bpf_program *prog = l->role == XNAT_LINK_WAN ? d->skel->progs.xnat_xdp_wan : d->skel->progs.xnat_xdp_lan;
	enum xnat_link_path want = xnatd_path_wanted(l->name, d->cfg.xdp_mode, l->why, sizeof(l->why));
	int err;

	l->path = XNAT_PATH_TC;
	if (l->role == XNAT_LINK_WAN && d->wan_l3) {
		/* XDP takes Ethernet frames; TC sees this link's packets as they are. */
		snprintf(l->why, sizeof(l->why), "no link-layer header (XDP takes Ethernet frames)");
		want = XNAT_PATH_TC;
	}
	if (want == XNAT_PATH_TC) {
		xnatd_detach_xdp(l->ifindex, config_id);
		return 0;
	}
	err = xnatd_attach_xdp(l->name, l->ifindex, prog, want, config_id, d->cfg.xdp_mode == XNAT_XDP_AUTO);
	if (err == -EBUSY || (err && d->cfg.xdp_mode != XNAT_XDP_AUTO))
		return -1;
	if (err) {
		snprintf(l->why, sizeof(l->why), "native XDP refused (%s)", strerror(-err));
		xnatd_detach_xdp(l->ifindex, config_id);
		return 0;
	}
	l->path = want;
	return 0;
}

static void publish_links(const struct xnatd *d)
{
	int fd = bpf_map__fd(d->skel->maps.xnat_links);

	for (__u32 i = 0; i < XNAT_MAX_LINKS; i++) {
		struct xnat_link_info none = {};

		if (bpf_map_update_elem(fd, &i, i < (__u32)d->n_links ? &d->links[i] : &none, BPF_ANY)) {
			xlog_warn("cannot write %s: %s", XNAT_MAP_LINKS, strerror(errno));
			return;
		}
	}
}

int xnatd_attach(struct xnatd *d)
{
	const struct xnat_agent_config *c = &d->cfg;
	__u32 config_id = xnatd_config_id(c->pin_root);
	struct xnat_bpf *s = d->skel;

	if (attach_tc(c->wan, d->wan_ifindex, BPF_TC_INGRESS, s->progs.xnat_tc_ingress) ||
	    attach_tc(c->wan, d->wan_ifindex, BPF_TC_EGRESS, s->progs.xnat_tc_egress))
		goto fail;
	for (int i = 0; i < c->n_lan; i++)
		if (attach_tc(c->lan[i], d->lan_ifindex[i], BPF_TC_INGRESS, s->progs.xnat_tc_lan))
			goto fail;
	/* The config says no XDP path yet (xnatd_push_config before this):
	 * an XDP program attached now hands everything to TC until it does. */
	for (int i = 0; i < d->n_links; i++)
		if (attach_link_xdp(d, &d->links[i], config_id))
			goto fail;
	if (xnatd_push_config(d))
		goto fail;
	xnatd_bridge_sync(d); /* after the config says to look ports up */
	if (xnatd_push_config(d)) /* a previous xnatd's ports gone: no more lookups */
		goto fail;
	publish_links(d);
	attach_lost_counters(d);
	return 0;
fail:
	xnatd_detach_all(c->pin_root);
	return -1;
}

/* The WAN's programs on d->wan_ifindex, a new interface of the WAN's name
 * (the old one went with its interface). */
int xnatd_attach_wan(struct xnatd *d)
{
	const struct xnat_agent_config *c = &d->cfg;
	struct xnat_bpf *s = d->skel;

	/* egress first: what leaves there is translated, or dropped */
	if (attach_tc(c->wan, d->wan_ifindex, BPF_TC_EGRESS, s->progs.xnat_tc_egress) ||
	    attach_tc(c->wan, d->wan_ifindex, BPF_TC_INGRESS, s->progs.xnat_tc_ingress))
		return -1;
	if (attach_link_xdp(d, &d->links[0], xnatd_config_id(c->pin_root)) || xnatd_push_config(d))
		return -1;
	publish_links(d);
	return 0;
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
