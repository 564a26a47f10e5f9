/*
 * local.h — the local executor: each job a process tree on this machine
 * under its own detached shepherd process (see local.c and
 * docs/EXECUTOR.md).
 */
#ifndef ALLOT_EXEC_LOCAL_H
#define ALLOT_EXEC_LOCAL_H

#include "exec/exec.h"
#include "util/err.h"

/* Opens (creating it, mode 0700, if absent) the state directory state_dir
 * and returns a local executor over it; NULL and e filled (ERR_IO, or
 * ERR_INVALID for a NULL/empty path) on error.  Free with exec_free.  Two
 * executors must not share a state_dir at the same time; one after the
 * other (a daemon restart) is the point: exec_recover reattaches. */
struct exec *local_new(const char *state_dir, struct err *e);

#endif
