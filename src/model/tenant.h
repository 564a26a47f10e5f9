/*
 * tenant.h — the tenant tree: root -> program -> tenant (team, university,
 * company, ministry) -> user.  Fair share is computed over it (Fair Tree,
 * sched/fairshare.h) and quotas are attached to its nodes.
 *
 * The tree owns its nodes; they are referred to by index, and index 0 is
 * the root.  Names are unique across the tree.  Children keep the order in
 * which they were added, which makes every traversal deterministic.
 */
#ifndef ALLOT_MODEL_TENANT_H
#define ALLOT_MODEL_TENANT_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/strtab.h"

#define TENANT_ROOT 0u
#define TENANT_NONE UINT32_MAX
#define TENANT_MAX 1000000

struct tenant {
	uint32_t name;         /* id in tenant_tree.names */
	uint32_t parent;       /* TENANT_NONE for the root */
	uint32_t shares;       /* fair-share weight among siblings */
	uint32_t first_child;  /* TENANT_NONE if a leaf */
	uint32_t last_child;
	uint32_t next_sibling; /* TENANT_NONE if last */
	uint32_t depth;        /* root 0 */
};

struct tenant_tree {
	struct strtab names;
	struct tenant *v;
	size_t n, cap;
};

/* Starts a tree holding only the root, named "root". */
void tenant_tree_init(struct tenant_tree *t);
void tenant_tree_free(struct tenant_tree *t);
/* Adds a child of parent; returns its index, or ERR_CONFLICT for a
 * duplicate name, ERR_INVALID for a bad parent or an empty name,
 * ERR_LIMIT past TENANT_MAX. */
long tenant_add(struct tenant_tree *t, const char *name, uint32_t parent,
		uint32_t shares, struct err *e);
/* Index of the tenant named name, or -1. */
long tenant_find(const struct tenant_tree *t, const char *name);
const char *tenant_name(const struct tenant_tree *t, uint32_t id);
int tenant_is_leaf(const struct tenant_tree *t, uint32_t id);
/* Whether a is b or one of b's ancestors. */
int tenant_is_ancestor(const struct tenant_tree *t, uint32_t a, uint32_t b);

#endif
