/*
 * sx_pool.c — the Slurm executor's node import (sx_pool_text, see sx.h):
 * a cluster's nodes, their CPUs, memory and GPU GRES as an allot pool
 * file.  One slurm_load_node under the executor's lock; the text is built
 * after it, from the loaded message, which is then freed.
 */
#define _GNU_SOURCE /* open_memstream's neighbours, as in sx.c */

#include "exec/sx.h"
#include "exec/sx_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <slurm/slurm.h>

#include "model/poolgen.h"

/* The model and GPU count of a node's GRES string ("gpu:8",
 * "gpu:h100:8(S:0-1)", "gpu:a100:4,gpu:a100:4", ...): 0, or -1 with
 * why set (mixed types, unknown type, no default). */
static int
gres_gpus(const char *gres, const char *def, const char **model, long *n,
	  const char **why)
{
	const char *p = gres;
	char type[64] = "";

	*model = NULL;
	*n = 0;
	while (p != NULL && *p) {
		const char *item = p, *end = strchr(p, ',');
		p = end ? end + 1 : NULL;
		if (strncmp(item, "gpu:", 4) != 0 && strcmp(item, "gpu") != 0)
			continue;
		item += item[3] == ':' ? 4 : 3;
		if (*item >= '0' && *item <= '9') {
			if (type[0] != '\0' && strcmp(type, "-") != 0)
				goto mixed;
			snprintf(type, sizeof type, "-");
		} else {
			size_t tl = strcspn(item, ":,(");
			char t[64];
			snprintf(t, sizeof t, "%.*s", (int)tl, item);
			if (type[0] != '\0' && strcmp(type, t) != 0)
				goto mixed;
			snprintf(type, sizeof type, "%s", t);
			item += tl + (item[tl] == ':');
		}
		*n += strtol(item, NULL, 10);
	}
	if (*n == 0)
		return 0;
	if (strcmp(type, "-") == 0) {
		if ((*model = def) == NULL) {
			*why = "untyped gpu GRES and no default model";
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; poolgen_known_at(i) != NULL; i++)
		if (strcasecmp(poolgen_known_at(i)->name, type) == 0) {
			*model = poolgen_known_at(i)->name;
			return 0;
		}
	*why = "GPU type is not a built-in model";
	return -1;
mixed:
	*why = "several GPU types on one node";
	return -1;
}

int
sx_pool_text(struct exec *x, const char *cluster, const char *default_model,
	     char **out, struct err *e)
{
	struct sx *s = (struct sx *)x;
	node_info_msg_t *m = NULL;
	char *buf = NULL;
	size_t len = 0;
	long total = 0;
	uint32_t nodes = 0;
	const char *models[16];
	size_t nmodels = 0;
	FILE *f;
	int rc = 0;

	*out = NULL;
	if (x == NULL || !sx__is(x))
		return err_set(e, ERR_INVALID, "executor: not a Slurm executor");
	if (cluster == NULL || *cluster == '\0')
		return err_set(e, ERR_INVALID, "cluster: empty");
	pthread_mutex_lock(&s->mu);
	if (!sx__reachable(s)) {
		pthread_mutex_unlock(&s->mu);
		return sx__unreachable(s, e);
	}
	if (slurm_load_node((time_t)0, &m, SHOW_ALL | SHOW_DETAIL) !=
	    SLURM_SUCCESS) {
		pthread_mutex_unlock(&s->mu);
		return err_set(e, ERR_IO, "Slurm: cannot load nodes: %s",
			       sx__slurm_err());
	}
	pthread_mutex_unlock(&s->mu);
	if ((f = open_memstream(&buf, &len)) == NULL) {
		slurm_free_node_info_msg(m);
		return err_set(e, ERR_IO, "open_memstream: %s", strerror(errno));
	}
	fprintf(f, "allot-pool 1\n# imported from Slurm cluster %s\n",
		cluster);
	/* first the models (built-in names, figures from model/poolgen.c) */
	for (uint32_t i = 0; i < m->record_count && rc == 0; i++) {
		const node_info_t *ni = &m->node_array[i];
		const char *model, *why = NULL;
		long g;
		size_t k;

		if (ni->name == NULL)
			continue;
		if (gres_gpus(ni->gres, default_model, &model, &g, &why) != 0) {
			rc = err_set(e, ERR_INVALID, "node %s: gres %s: %s",
				     ni->name, ni->gres, why);
			break;
		}
		if (g > 8)
			rc = err_set(e, ERR_INVALID, "node %s: %ld GPUs (allot "
				     "takes at most 8 per node)", ni->name, g);
		if (g == 0 || rc != 0)
			continue;
		for (k = 0; k < nmodels && strcmp(models[k], model) != 0; k++)
			;
		if (k < nmodels)
			continue;
		if (nmodels == sizeof models / sizeof models[0]) {
			rc = err_set(e, ERR_LIMIT, "more than %zu GPU models",
				     nmodels);
			break;
		}
		models[nmodels++] = model;
		fprintf(f, "model %s\n", model);
	}
	fprintf(f, "provider slurm\nsite %s provider=slurm\ncluster %s "
		"site=%s\n", cluster, cluster, cluster);
	for (uint32_t i = 0; i < m->record_count && rc == 0; i++) {
		const node_info_t *ni = &m->node_array[i];
		const char *model, *why = NULL, *state = "up";
		uint32_t st = ni->node_state;
		long g;

		if (ni->name == NULL ||
		    gres_gpus(ni->gres, default_model, &model, &g, &why) != 0)
			continue;
		if ((st & NODE_STATE_BASE) == NODE_STATE_FUTURE)
			state = "absent";
		else if ((st & NODE_STATE_BASE) == NODE_STATE_DOWN)
			state = "down";
		else if (st & (NODE_STATE_DRAIN | NODE_STATE_FAIL))
			state = "drain";
		fprintf(f, "nodes %s cluster=%s", ni->name, cluster);
		if (g > 0)
			fprintf(f, " model=%s", model);
		fprintf(f, " gpus=%ld cpu=%lu mem=%" PRIu64 " state=%s\n", g,
			(unsigned long)ni->cpus * 1000, (uint64_t)ni->real_memory,
			state);
		nodes++;
		if (strcmp(state, "absent") != 0)
			total += g;
	}
	fprintf(f, "end nodes=%" PRIu32 " gpus=%ld\n", nodes, total);
	slurm_free_node_info_msg(m);
	if (fclose(f) != 0 && rc == 0)
		rc = err_set(e, ERR_IO, "open_memstream: %s", strerror(errno));
	if (rc != 0)
		free(buf);
	else
		*out = buf;
	return rc;
}

