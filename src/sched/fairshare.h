/*
 * fairshare.h — fair share over decayed usage, Fair Tree style.
 *
 * Usage is GPU-seconds with exponential decay: every half-life, past usage
 * counts half (Slurm's PriorityDecayHalfLife, 7 days by default).
 *
 * Fair Tree (as in Slurm): at each level of the tenant tree a child's
 * level fair share is LF = S / U, where S is its shares over its siblings'
 * shares and U its usage (itself plus descendants) over its siblings'
 * usage; unused entitlement gives LF = infinity, zero shares LF = 0.  A
 * depth-first walk visits siblings in descending LF (ties by index) and
 * ranks the leaves in the order met; leaf siblings with equal LF share a
 * rank.  A leaf's factor is rank / leaves, in (0, 1]: 1 for the leaf most
 * under-served.  Because ranks are assigned per level, a heavy user in a
 * light account still beats every user of a heavier account.
 */
#ifndef ALLOT_SCHED_FAIRSHARE_H
#define ALLOT_SCHED_FAIRSHARE_H

#include <stddef.h>

#include "model/tenant.h"

#define FAIRSHARE_HALF_LIFE_DEFAULT (7 * 24 * 3600.0)

/* Multiplies usage[0..n) by 2^(-dt / half_life).  half_life <= 0 means no
 * decay. */
void fairshare_decay(double *usage, size_t n, double dt, double half_life);

/* Computes factor[i] for every tenant i of t (leaves get their Fair Tree
 * factor; inner tenants get 0) from usage[i] (each tenant's own decayed
 * usage; an inner tenant's own usage counts as its subtree's).  factor has
 * t->n entries.  Deterministic; no allocation escapes. */
void fairshare_fairtree(const struct tenant_tree *t, const double *usage,
			double *factor);

#endif
