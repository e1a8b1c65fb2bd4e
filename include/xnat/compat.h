/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Fixed-width kernel types for headers shared by BPF and user-space code. */
#ifndef XNAT_COMPAT_H
#define XNAT_COMPAT_H

#ifdef __bpf__
#include "vmlinux.h"
#else
#include <linux/types.h>
#endif

#endif
