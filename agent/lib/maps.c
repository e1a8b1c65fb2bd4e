// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xnat/stats.h>
#include "maps.h"

struct map_slot {
	const char *name;
	size_t offset;
};

static const struct map_slot slots[] = {
	{ XNAT_MAP_CONFIG, offsetof(struct xnat_map_fds, config) },
	{ XNAT_MAP_FLOWS, offsetof(struct xnat_map_fds, flows) },
	{ XNAT_MAP_EIM, offsetof(struct xnat_map_fds, eim) },
	{ XNAT_MAP_PORTS, offsetof(struct xnat_map_fds, ports) },
	{ XNAT_MAP_ADF, offsetof(struct xnat_map_fds, adf) },
	{ XNAT_MAP_FRAGS, offsetof(struct xnat_map_fds, frags) },
	{ XNAT_MAP_HOST_ALLOC, offsetof(struct xnat_map_fds, host_alloc) },
	{ XNAT_MAP_HOST_FREED, offsetof(struct xnat_map_fds, host_freed) },
	{ XNAT_MAP_STATS, offsetof(struct xnat_map_fds, stats) },
	{ XNAT_MAP_SIP_DIALOGS, offsetof(struct xnat_map_fds, sip_dialogs) },
	{ XNAT_MAP_SIP_SEQADJ, offsetof(struct xnat_map_fds, sip_seqadj) },
	{ XNAT_MAP_PORT_FILTERS, offsetof(struct xnat_map_fds, port_filters) },
	{ XNAT_MAP_LAN_IFACES, offsetof(struct xnat_map_fds, lan_ifaces) },
	{ XNAT_MAP_SIP_OPENED, offsetof(struct xnat_map_fds, sip_opened) },
	{ XNAT_MAP_SIP_CLOSED, offsetof(struct xnat_map_fds, sip_closed) },
};

static int *slot_fd(struct xnat_map_fds *m, const struct map_slot *s)
{
	return (int *)((char *)m + s->offset);
}

void xnat_maps_init(struct xnat_map_fds *m)
{
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		*slot_fd(m, &slots[i]) = -1;
}

void xnat_maps_close(struct xnat_map_fds *m)
{
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		int *fd = slot_fd(m, &slots[i]);

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
}

int xnat_maps_open_pinned(const char *pin_root, struct xnat_map_fds *m, const char **missing)
{
	char path[PATH_MAX + 64];

	xnat_maps_init(m);
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", pin_root, slots[i].name);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			int err = -errno;

			if (missing)
				*missing = slots[i].name;
			xnat_maps_close(m);
			return err;
		}
		*slot_fd(m, &slots[i]) = fd;
	}
	return 0;
}

int xnat_config_read(int config_fd, struct xnat_config *c)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(config_fd, &zero, c) ? -errno : 0;
}

int xnat_config_write(int config_fd, const struct xnat_config *c)
{
	__u32 zero = 0;

	return bpf_map_update_elem(config_fd, &zero, c, BPF_ANY) ? -errno : 0;
}

int xnat_stats_read(int stats_fd, struct xnat_counter *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xnat_counter *percpu;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (__u32 k = 0; k < XNAT_STAT_MAX; k++) {
		out[k].packets = out[k].bytes = 0;
		if (bpf_map_lookup_elem(stats_fd, &k, percpu)) {
			int err = -errno;

			free(percpu);
			return err;
		}
		for (int c = 0; c < ncpu; c++) {
			out[k].packets += percpu[c].packets;
			out[k].bytes += percpu[c].bytes;
		}
	}
	free(percpu);
	return 0;
}

__u32 xnat_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u32)ts.tv_sec;
}

void xnat_host_give_back(int given_fd, __be32 host)
{
	__u64 n = 0;

	if (given_fd < 0)
		return;
	bpf_map_lookup_elem(given_fd, &host, &n);
	n++;
	bpf_map_update_elem(given_fd, &host, &n, BPF_ANY);
}
