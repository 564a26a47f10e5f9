/*
 * strtab.h — string interning: each distinct string gets a dense id
 * 0, 1, 2, ... in order of first appearance.  Used for GPU model names,
 * tenant names, site names.  The table owns copies of the strings.
 */
#ifndef ALLOT_UTIL_STRTAB_H
#define ALLOT_UTIL_STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct strtab {
	char **str;        /* id -> string */
	size_t n, cap;
	uint32_t *slot;    /* open addressing: id + 1, 0 = empty */
	size_t nslot;
};

/* Returns the id of s (length len), adding it if new. */
uint32_t strtab_intern(struct strtab *t, const char *s, size_t len);
/* Returns the id of s, or -1 if absent. */
long strtab_find(const struct strtab *t, const char *s, size_t len);
const char *strtab_get(const struct strtab *t, uint32_t id);
void strtab_free(struct strtab *t);

#endif
