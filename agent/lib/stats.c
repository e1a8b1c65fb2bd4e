// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stddef.h>
#include <xnat/stats.h>

#define XNAT_STAT_NAME(name, str) [XNAT_STAT_##name] = str,
static const char *const stat_names[XNAT_STAT_MAX] = {
	XNAT_STAT_TABLE(XNAT_STAT_NAME)
};

const char *xnat_stat_name(unsigned int stat)
{
	return stat < XNAT_STAT_MAX ? stat_names[stat] : NULL;
}
