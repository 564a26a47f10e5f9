/*
 * fuzz-panel.c — fuzzes the panel score reader (panel_parse, scores in
 * 0..10).  Beyond "no crash, no leak": a failed read keeps no score and
 * its message names the input; a good read keeps only scores in range,
 * and the team means lie in range too.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/panel.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct panel p;
	struct err e;
	double *m;
	int rc;

	memset(&p, 0, sizeof p);
	memset(&e, 0, sizeof e);
	rc = panel_parse(&p, "fuzz", (const char *)data, size, 0, 10, NULL, 0,
	    &e);
	ALLOT_ASSERT(memchr(e.msg, '\0', sizeof e.msg) != NULL);
	if (rc != 0) {
		ALLOT_ASSERT(p.n == 0 && p.teams.n == 0);
		ALLOT_ASSERT(strncmp(e.msg, "fuzz", 4) == 0);
		return 0;
	}
	for (size_t i = 0; i < p.n; i++)
		ALLOT_ASSERT(p.s[i].score >= 0 && p.s[i].score <= 10);
	m = xmalloc((p.teams.n + 1) * sizeof *m);
	panel_team_means(&p, -1, NULL, m);
	for (size_t t = 0; t < p.teams.n; t++)
		ALLOT_ASSERT(m[t] >= 0 && m[t] <= 10);
	free(m);
	panel_free(&p);
	return 0;
}
