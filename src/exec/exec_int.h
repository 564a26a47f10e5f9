/*
 * exec_int.h — what the executors (local.c, sx.c) share, defined in
 * exec.c.  Not for other callers: exec.h is the interface.  Functions
 * here carry the exec__ prefix (internal, non-static).
 */
#ifndef ALLOT_EXEC_EXEC_INT_H
#define ALLOT_EXEC_EXEC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "exec/exec.h"

/* Seconds since 1970 and milliseconds on the monotonic clock. */
int64_t exec__now_real(void);
int64_t exec__now_mono_ms(void);
/* A LOST event for id, at now; never_started as exec_event documents. */
void exec__ev_lost(struct exec_event *ev, uint64_t id, int never_started);
/* "DIR/ID" (name NULL) or "DIR/ID/NAME" in a new string: an executor's
 * per-run state folder and its files. */
char *exec__job_path(const char *dir, uint64_t id, const char *name);
/* "K=V" in a new string. */
char *exec__kv_new(const char *k, const char *v);
/* 1 if the KEY= parts of two "KEY=VALUE" strings are equal. */
int exec__same_key(const char *a, const char *b);
/* Sets kv (taken) in the NULL-terminated environment *v of *n entries,
 * replacing an entry with the same key. */
void exec__env_put(char ***v, size_t *n, size_t *cap, char *kv);
/* Frees an environment built by exec__env_put. */
void exec__env_free(char **v);

#endif
