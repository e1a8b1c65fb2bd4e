// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * XDP on the ports of a bridge that is a LAN interface (a home router's
 * br-lan). A bridge has no native XDP, so its hosts' traffic would all take
 * the TC path; its ports may have it. xnat_xdp_lan on a port translates what
 * the bridge would route to the WAN (a frame for the bridge's own address,
 * on a forwarding port) and redirects it; everything else goes on into the
 * bridge untouched: frames between LAN hosts, the hairpin (TC on the
 * bridge), and the replies, which need the bridge's FDB to find their port.
 *
 * A port takes XDP when its own driver would (paths.c: not a veth, unless
 * --xdp-mode native forces it). Not with vlan_filtering on (the bridge's
 * VLANs decide what reaches it, which XDP can't see), nor with
 * --xdp-mode skb or none. xnatd follows ports joining and leaving, their
 * STP state and the bridge's address through rtnetlink link messages.
 *
 * The map entry is written before the program is attached and deleted after
 * it is detached: a port's program never sees a frame without knowing its
 * bridge, and never treats a port as a LAN interface of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "mapwalk.h"
#include "xnat.skel.h"
#include "xnatd.h"

#define BR_STATE_FORWARDING 3 /* linux/if_bridge.h */
#define MAX_DUMP 1024

/* The namespace's interfaces, as xnatd_links_dump() last gave them. */
static struct xnatd_link dump[MAX_DUMP];

/* Is ifindex one of the gateway's own interfaces (the WAN, a LAN)? */
static bool is_gateway_link(const struct xnatd *d, unsigned int ifindex)
{
	for (int i = 0; i < d->n_links; i++)
		if (d->links[i].ifindex == ifindex)
			return true;
	return false;
}

static const struct xnatd_link *find_link(const struct xnatd_link *all, int n, unsigned int ifindex)
{
	for (int i = 0; i < n; i++)
		if (all[i].ifindex == ifindex)
			return &all[i];
	return NULL;
}

/* The ports wanted on XDP: map entries, keyed by port ifindex. */
struct wanted {
	__u32 ifindex[XNAT_MAX_BRIDGE_PORTS];
	struct xnat_bridge_port port[XNAT_MAX_BRIDGE_PORTS];
	int n;
};

/* The ports of LAN bridge l that take XDP, added to w; l->why says so. */
static void wanted_ports(const struct xnatd *d, const struct xnatd_link *all, int n_all,
			 struct xnat_link_info *l, struct wanted *w)
{
	const struct xnatd_link *br = find_link(all, n_all, l->ifindex);
	struct xnat_bridge_port base = { .bridge_ifindex = l->ifindex };
	char names[64] = "";
	size_t used = 0;
	int n = 0;

	if (!br || !br->is_bridge || !br->has_mac)
		return;
	if (br->vlan_filtering) {
		snprintf(l->why, sizeof(l->why), "bridge: no native XDP, and vlan_filtering keeps XDP off its ports");
		return;
	}
	memcpy(base.bridge_mac, br->mac, sizeof(base.bridge_mac));
	snprintf(base.bridge, sizeof(base.bridge), "%.15s", l->name);
	for (int i = 0; i < n_all && w->n < XNAT_MAX_BRIDGE_PORTS; i++) {
		const struct xnatd_link *port = &all[i];
		struct xnat_bridge_port *p = &w->port[w->n];
		char why[96];

		if (port->master != l->ifindex || !port->is_port || is_gateway_link(d, port->ifindex) ||
		    xnatd_path_wanted(port->name, d->cfg.xdp_mode, why, sizeof(why)) != XNAT_PATH_XDP_NATIVE)
			continue;
		*p = base;
		snprintf(p->name, sizeof(p->name), "%.15s", port->name);
		p->forwarding = port->port_state == BR_STATE_FORWARDING;
		w->ifindex[w->n++] = port->ifindex;
		if (used < sizeof(names))
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", n++ ? ", " : "", p->name);
	}
	if (n)
		snprintf(l->why, sizeof(l->why), "bridge: no native XDP; XDP on its ports (to the WAN): %s", names);
}

static int find(const struct wanted *w, __u32 ifindex)
{
	for (int i = 0; i < w->n; i++)
		if (w->ifindex[i] == ifindex)
			return i;
	return -1;
}

/* Is our xnat_xdp_lan already on ifindex? (Attaching again would only
 * raise another link message.) */
static bool has_prog(unsigned int ifindex, struct bpf_program *prog)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_xdp_query((int)ifindex, 0, &q) || !q.prog_id || q.attach_mode != XDP_ATTACHED_DRV)
		return false;
	return !bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) && info.id == q.prog_id;
}

void xnatd_bridges_find(struct xnatd *d)
{
	int n_all = xnatd_links_dump(dump, MAX_DUMP);

	for (int i = 0; i < d->n_links; i++) {
		const struct xnatd_link *l = find_link(dump, n_all, d->links[i].ifindex);

		d->link_is_bridge[i] = i && l && l->is_bridge; /* a LAN, never the WAN */
	}
}

bool xnatd_bridge_ports_wanted(const struct xnatd *d)
{
	if (d->cfg.xdp_mode != XNAT_XDP_AUTO && d->cfg.xdp_mode != XNAT_XDP_NATIVE)
		return false;
	for (int i = 1; i < d->n_links; i++)
		if (d->link_is_bridge[i])
			return true;
	return false;
}

void xnatd_bridge_sync(struct xnatd *d)
{
	int fd = bpf_map__fd(d->skel->maps.xnat_bridge_ports);
	struct bpf_program *prog = d->skel->progs.xnat_xdp_lan;
	__u32 config_id = xnatd_config_id(d->cfg.pin_root);
	struct wanted w = { .n = 0 };
	struct xnat_snapshot known;
	int n_all;

	if (xnatd_bridge_ports_wanted(d)) {
		n_all = xnatd_links_dump(dump, MAX_DUMP);
		if (n_all < 0)
			return; /* said; the ports stay as they are */
		for (int i = 1; i < d->n_links; i++)
			if (d->links[i].path == XNAT_PATH_TC && d->link_is_bridge[i])
				wanted_ports(d, dump, n_all, &d->links[i], &w);
	}
	/* Ports no longer wanted: detached first, then forgotten. */
	if (!xnat_snapshot_take(fd, sizeof(__u32), sizeof(struct xnat_bridge_port), &known)) {
		for (size_t i = 0; i < known.n; i++) {
			const __u32 *key = xnat_snapshot_key(&known, i);
			struct xnat_bridge_port *old = xnat_snapshot_val(&known, i);

			if (find(&w, *key) >= 0)
				continue;
			xnatd_detach_xdp(*key, config_id);
			if (bpf_map_delete_elem(fd, key))
				continue; /* already gone: a duplicate of the walk */
			old->name[sizeof(old->name) - 1] = '\0';
			xlog_info("%s: off the XDP path (no longer a port of a LAN bridge)", old->name);
		}
		xnat_snapshot_free(&known);
	}
	for (int i = 0; i < w.n; i++) {
		struct xnat_bridge_port old;
		bool known = !bpf_map_lookup_elem(fd, &w.ifindex[i], &old);
		int err;

		if (bpf_map_update_elem(fd, &w.ifindex[i], &w.port[i], BPF_ANY)) {
			xlog_warn("cannot write %s: %s", XNAT_MAP_BRIDGE_PORTS, strerror(errno));
			continue;
		}
		if (known && old.forwarding != w.port[i].forwarding)
			xlog_info("%s: %s", w.port[i].name, w.port[i].forwarding ? "forwarding: XDP translates"
						: "not forwarding (STP): XDP leaves its frames to the bridge");
		if (has_prog(w.ifindex[i], prog))
			continue;
		err = xnatd_attach_xdp(w.port[i].name, w.ifindex[i], prog, XNAT_PATH_XDP_NATIVE, config_id, true);
		if (err) {
			xlog_warn("%s (port of %s): native XDP refused (%s): its frames take the TC path",
				  w.port[i].name, w.port[i].bridge, strerror(-err));
			bpf_map_delete_elem(fd, &w.ifindex[i]);
			continue;
		}
		xlog_info("%s (port of %s): XDP path, for frames to the WAN", w.port[i].name, w.port[i].bridge);
	}
}
