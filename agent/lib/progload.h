/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loading xnat's BPF object the way every kernel in use can take it: each
 * program's verifier statistics kept, a program the kernel refuses named
 * with the verifier's reason, and a feature's program (the SIP ALG's) left
 * out so that the NAT loads without it. Used by xnatd, xnatctl-free tools
 * (the verifier report) and the BPF tests alike.
 */
#ifndef XNAT_PROGLOAD_H
#define XNAT_PROGLOAD_H

#include <stdbool.h>
#include <stdio.h>
#include <xnat/progs.h>

struct xnat_bpf;

/* The verifier's limit of processed instructions, and the budget a program
 * keeps on every kernel tested: half of it. */
#define XNAT_VERIFIER_LIMIT 1000000u
#define XNAT_VERIFIER_BUDGET (XNAT_VERIFIER_LIMIT / 2)

/* What a refused program does to the load. */
enum xnat_load_policy {
	XNAT_LOAD_DEGRADE = 0, /* a feature's program is left out (its feature off); a core one fails it */
	XNAT_LOAD_STRICT,      /* any refused program fails the load (tests) */
	XNAT_LOAD_SURVEY,      /* every refused program is left out, the rest loaded (the report) */
};

struct xnat_load_opts {
	/* Called on each freshly opened skeleton before it is loaded (the
	 * loader may open it more than once): pins, map sizes. 0 or -errno. */
	int (*prepare)(struct xnat_bpf *skel, void *arg);
	void *arg;
	const char *pin_root; /* opened with this pin root; NULL: maps unpinned */
	enum xnat_load_policy policy;
	/* Where the full verifier log of a refused program goes: a directory
	 * (file verifier-NAME.log in it), or stderr when log_to_stderr. NULL
	 * and false: not written. */
	const char *log_dir;
	bool log_to_stderr;
};

struct xnat_load {
	struct xnat_bpf *skel;  /* loaded, prog arrays filled; NULL when it failed */
	unsigned int n;
	struct xnat_prog_info prog[XNAT_MAX_PROGS];
	unsigned int features_off; /* bit (1 << XNAT_FEATURE_*) per feature refused */
	int err;                /* the load's error when skel is NULL (-errno) */
	int refused;            /* index of the core program refused, or -1 */
	char log_path[256];     /* where the full log of a refused program went, or "" */
};

/* Load per opts. Returns 0 with l->skel set (features may be off: see
 * l->features_off; l->prog[] says which program was refused and why), or
 * -1 with l->err, and l->refused when the policy would not leave out the
 * program refused. */
int xnat_load_object(const struct xnat_load_opts *opts, struct xnat_load *l);

/* The feature a program belongs to, by name. */
enum xnat_feature xnat_prog_feature(const char *name);
const char *xnat_feature_name(enum xnat_feature f);

/* Write l's programs into the map xnat_progs (fd). */
int xnat_progs_publish(int fd, const struct xnat_load *l);

/* The running kernel's release ("6.1.0-57-amd64"). */
const char *xnat_kernel_release(void);

/*
 * Does this kernel have what the fast path uses (BTF, the program types,
 * bpf_loop, bpf_xdp_load_bytes, ...)? Returns 0, or -1 with what is missing
 * and the kernel release it came with in why.
 */
#define XNAT_MIN_KERNEL "5.18"
int xnat_kernel_probe(char *why, size_t len);

#endif
