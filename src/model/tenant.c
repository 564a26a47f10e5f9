/*
 * tenant.c — the tenant tree (see tenant.h).  Nodes live in one array;
 * child lists are intrusive (first_child / next_sibling), appended at the
 * end so insertion order is kept.
 */
#include "model/tenant.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

void
tenant_tree_init(struct tenant_tree *t)
{
	memset(t, 0, sizeof *t);
	t->v = xgrow(t->v, &t->cap, 1, sizeof *t->v);
	t->v[0] = (struct tenant){
		.name = strtab_intern(&t->names, "root", 4),
		.parent = TENANT_NONE,
		.shares = 1,
		.first_child = TENANT_NONE,
		.last_child = TENANT_NONE,
		.next_sibling = TENANT_NONE,
		.depth = 0,
	};
	t->n = 1;
}

void
tenant_tree_free(struct tenant_tree *t)
{
	if (t == NULL)
		return;
	strtab_free(&t->names);
	free(t->v);
	memset(t, 0, sizeof *t);
}

long
tenant_find(const struct tenant_tree *t, const char *name)
{
	/* Names and tenants are interned in the same order, so a name's id is
	 * its tenant's index. */
	return strtab_find(&t->names, name, strlen(name));
}

long
tenant_add(struct tenant_tree *t, const char *name, uint32_t parent,
	   uint32_t shares, struct err *e)
{
	size_t len = strlen(name);
	uint32_t id;

	if (len == 0)
		return err_at(e, ERR_INVALID, NULL, 0, "name", "empty tenant name");
	if (parent >= t->n)
		return err_at(e, ERR_INVALID, NULL, 0, "parent",
			      "no tenant with index %u", parent);
	if (strtab_find(&t->names, name, len) >= 0)
		return err_at(e, ERR_CONFLICT, NULL, 0, "name",
			      "tenant \"%s\" already exists", name);
	if (t->n >= TENANT_MAX)
		return err_set(e, ERR_LIMIT, "more than %d tenants", TENANT_MAX);
	t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof *t->v);
	id = (uint32_t)t->n++;
	ALLOT_ASSERT(strtab_intern(&t->names, name, len) == id);
	t->v[id] = (struct tenant){
		.name = id,
		.parent = parent,
		.shares = shares,
		.first_child = TENANT_NONE,
		.last_child = TENANT_NONE,
		.next_sibling = TENANT_NONE,
		.depth = t->v[parent].depth + 1,
	};
	if (t->v[parent].last_child == TENANT_NONE)
		t->v[parent].first_child = id;
	else
		t->v[t->v[parent].last_child].next_sibling = id;
	t->v[parent].last_child = id;
	return id;
}

const char *
tenant_name(const struct tenant_tree *t, uint32_t id)
{
	return strtab_get(&t->names, id < t->n ? t->v[id].name : UINT32_MAX);
}

int
tenant_is_leaf(const struct tenant_tree *t, uint32_t id)
{
	return t->v[id].first_child == TENANT_NONE;
}

int
tenant_is_ancestor(const struct tenant_tree *t, uint32_t a, uint32_t b)
{
	for (uint32_t x = b; x != TENANT_NONE; x = t->v[x].parent)
		if (x == a)
			return 1;
	return 0;
}
