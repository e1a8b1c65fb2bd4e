// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The session table of an older xnat, whose flow entries are shorter (the
 * first 12 bytes of struct xnat_flow, before the cached next hop): a pinned
 * map of another value size can't be reused, so its pin is set aside before
 * the load (which then makes and pins the new table), and its sessions are
 * copied into the new table, the rest of each entry zero (no hop cached).
 * The old table lives on meanwhile: the old programs still attached and
 * this fd hold it. Copied once after the load and again after the new
 * programs are attached, for what the old ones opened in between.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <xnat/nat.h>
#include "xnatd.h"

#define OLDEST_FLOW_SIZE 12 /* xnat before the next-hop cache */

static int older_fd = -1;

void xnatd_flows_set_aside(const char *pin_root)
{
	struct bpf_map_info info;
	char path[PATH_MAX + 64];
	int fd = xnatd_pinned_map(pin_root, XNAT_MAP_FLOWS, &info);

	if (fd < 0)
		return;
	snprintf(path, sizeof(path), "%s/%s", pin_root, XNAT_MAP_FLOWS);
	if (info.value_size == sizeof(struct xnat_flow) || info.value_size < OLDEST_FLOW_SIZE || info.value_size > sizeof(struct xnat_flow) ||
	    info.key_size != sizeof(struct xnat_flow_key)) {
		close(fd); /* the same layout, or none xnat knows: the load says */
		return;
	}
	if (unlink(path)) {
		xlog_warn("cannot set %s of an older xnat aside: %s", path, strerror(errno));
		close(fd);
		return;
	}
	older_fd = fd;
	xlog_info("%s of an older xnat (%u-byte entries): its sessions are copied into the new table",
		  XNAT_MAP_FLOWS, info.value_size);
}

int xnatd_flows_take_over(const struct xnatd *d, int last)
{
	struct xnat_flow_key key, next;
	struct xnat_flow v;
	unsigned int copied = 0;
	void *prev = NULL;

	if (older_fd < 0)
		return 0;
	while (!bpf_map_get_next_key(older_fd, prev, &next)) {
		key = next;
		prev = &key;
		memset(&v, 0, sizeof(v));
		/* the older value is a prefix of this one; the lookup writes its own size */
		if (bpf_map_lookup_elem(older_fd, &key, &v))
			continue;
		memset(&v.hop, 0, sizeof(v.hop));
		if (!bpf_map_update_elem(d->maps.flows, &key, &v, BPF_NOEXIST))
			copied++;
	}
	xlog_info("%u flow entries taken over from the older table%s", copied, last ? "; it is released" : "");
	if (last) {
		close(older_fd);
		older_fd = -1;
	}
	return 0;
}

void xnatd_flows_put_back(const char *pin_root)
{
	char path[PATH_MAX + 64];

	if (older_fd < 0)
		return;
	snprintf(path, sizeof(path), "%s/%s", pin_root, XNAT_MAP_FLOWS);
	if (access(path, F_OK) && bpf_obj_pin(older_fd, path))
		xlog_warn("cannot pin %s back: %s", path, strerror(errno));
	close(older_fd);
	older_fd = -1;
}
