// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "slowrun.h"

int xnat_slow_run(int prog_fd, uint32_t ingress_ifindex, uint32_t flags, const uint8_t *frame,
		  size_t len, uint8_t *out, size_t *out_len, struct xnat_slow_meta *meta)
{
	/* The metadata goes in front of the frame: xdp_md.data is its length. */
	uint8_t in[sizeof(*meta) + XNAT_SLOW_RUN_MAX], got[sizeof(*meta) + XNAT_SLOW_RUN_MAX];
	struct xnat_slow_meta m = { .magic = XNAT_SLOW_MAGIC, .flags = flags };
	struct xdp_md ctx = {
		.data = sizeof(m),
		.data_end = (__u32)(sizeof(m) + len),
		.ingress_ifindex = ingress_ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = (__u32)(sizeof(m) + len),
		    .data_out = got, .data_size_out = sizeof(got), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err;

	if (len < 14 || len > XNAT_SLOW_RUN_MAX)
		return -EMSGSIZE;
	memcpy(in, &m, sizeof(m));
	memcpy(in + sizeof(m), frame, len);
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		return err < 0 ? err : -EINVAL;
	if (opts.data_size_out < sizeof(m) || opts.data_size_out > sizeof(got))
		return -EMSGSIZE;
	memcpy(meta, got, sizeof(*meta));
	if (meta->magic != XNAT_SLOW_MAGIC)
		return -EPROTO; /* the program moved its metadata: nothing to trust */
	*out_len = opts.data_size_out - sizeof(m);
	memcpy(out, got + sizeof(m), *out_len);
	return (int)opts.retval;
}
