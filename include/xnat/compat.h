/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Fixed-width kernel types for headers shared by BPF and user-space code. */
#ifndef XNAT_COMPAT_H
#define XNAT_COMPAT_H

#ifdef __bpf__
#include "vmlinux.h"
#else
#include <linux/types.h>
#endif

/*
 * i & m, for an index into an array of m + 1 bytes (a power of two). In BPF
 * the mask is an opaque instruction so that the compiler can't drop it (it
 * would, knowing a bound the verifier doesn't) and the verifier sees every
 * index within the array.
 */
#ifdef __bpf__
#define XNAT_MASK(i, m) ({ __u64 __i = (i); asm volatile("%0 &= %1" : "+r"(__i) : "i"(m)); __i; })
#else
#define XNAT_MASK(i, m) ((i) & (m))
#endif

/*
 * Before a short loop of constant bound: unrolled in BPF. Linux 6.1's
 * verifier refuses a loop that clang closes by falling through into its
 * head ("back-edge from insn X to X+1"), as it lays out small loops that can
 * end early; newer kernels take them (make vm-test finds them).
 */
#ifdef __bpf__
#define XNAT_UNROLL _Pragma("clang loop unroll(full)")
#else
#define XNAT_UNROLL
#endif

#endif
