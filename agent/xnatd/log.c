// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include "xnatd.h"

/* Under systemd, "<N>" prefixes are read by journald as the priority
 * (sd-daemon(3)); on a terminal they would only be noise. */
static void vlog(int prio, const char *fmt, va_list ap)
{
	if (getenv("JOURNAL_STREAM"))
		fprintf(stderr, "<%d>", prio);
	fputs(prio <= LOG_ERR ? "xnatd: error: " : prio == LOG_WARNING ? "xnatd: warning: " : "xnatd: ",
	      stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define DEFINE_LOG(fn, prio)                        \
	void fn(const char *fmt, ...)               \
	{                                           \
		va_list ap;                         \
		va_start(ap, fmt);                  \
		vlog(prio, fmt, ap);                \
		va_end(ap);                         \
	}

DEFINE_LOG(xlog_info, LOG_INFO)
DEFINE_LOG(xlog_warn, LOG_WARNING)
DEFINE_LOG(xlog_err, LOG_ERR)
