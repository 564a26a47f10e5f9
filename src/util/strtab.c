/*
 * strtab.c — interning with an open-addressed table of ids (FNV-1a hash,
 * linear probing, kept at most half full).
 */
#include "util/strtab.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static uint64_t
hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int
same(const char *a, const char *s, size_t len)
{
	return strncmp(a, s, len) == 0 && a[len] == '\0';
}

static void
rehash(struct strtab *t, size_t nslot)
{
	free(t->slot);
	t->slot = xcalloc(nslot, sizeof *t->slot);
	t->nslot = nslot;
	for (size_t id = 0; id < t->n; id++) {
		size_t i = hash(t->str[id], strlen(t->str[id])) & (nslot - 1);
		while (t->slot[i] != 0)
			i = (i + 1) & (nslot - 1);
		t->slot[i] = (uint32_t)id + 1;
	}
}

long
strtab_find(const struct strtab *t, const char *s, size_t len)
{
	if (t->nslot == 0)
		return -1;
	for (size_t i = hash(s, len) & (t->nslot - 1); t->slot[i] != 0;
	     i = (i + 1) & (t->nslot - 1)) {
		uint32_t id = t->slot[i] - 1;
		if (same(t->str[id], s, len))
			return id;
	}
	return -1;
}

uint32_t
strtab_intern(struct strtab *t, const char *s, size_t len)
{
	long found = strtab_find(t, s, len);

	if (found >= 0)
		return (uint32_t)found;
	t->str = xgrow(t->str, &t->cap, t->n + 1, sizeof *t->str);
	t->str[t->n++] = xstrndup(s, len);
	if (2 * t->n > t->nslot)
		rehash(t, t->nslot ? 2 * t->nslot : 16);
	else {
		size_t i = hash(s, len) & (t->nslot - 1);
		while (t->slot[i] != 0)
			i = (i + 1) & (t->nslot - 1);
		t->slot[i] = (uint32_t)t->n;
	}
	return (uint32_t)(t->n - 1);
}

const char *
strtab_get(const struct strtab *t, uint32_t id)
{
	return id < t->n ? t->str[id] : NULL;
}

void
strtab_free(struct strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->str[i]);
	free(t->str);
	free(t->slot);
	memset(t, 0, sizeof *t);
}
