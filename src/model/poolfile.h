/*
 * poolfile.h — the pool description file: reading, writing, and loading a
 * pool from either a file or a generator spec.
 *
 * The format (docs/POOL-FORMAT.md) is line-oriented:
 *
 *	allot-pool 1
 *	model  B200 mem=180 price=7000 watts=1000
 *	provider NHN
 *	site   pangyo provider=NHN
 *	cluster nhn-b200 site=pangyo
 *	rack   nhn-r[00-63] cluster=nhn-b200
 *	domain nhn-d[000-254] rack=nhn-r[00-63] per=4
 *	node   nhn[000-254] domain=nhn-d[000-254] per=1 model=B200 gpus=8
 *	       cpu=224000 mem=2097152            (one line in the file)
 *	nodes  gb[00-71] cluster=c2 model=GB200 gpus=4 domain-nodes=18 ...
 *	end    nodes=255 gpus=2040
 *
 * Reading is all or nothing: the file is parsed into a private pool that
 * replaces the caller's (empty) pool only on success, so on error the
 * caller's pool is exactly as it was (the caller frees it as usual).
 * Every error names the place: "pool.txt:12: gpus: expected an integer
 * 0..8, got \"x\"".
 *
 * Writing gives a file that reads back into an identical pool: the same
 * models, sites, clusters, racks, domains and nodes at the same indexes
 * with the same names, capacities and states.  Free capacity is not part
 * of the description (a pool read from a file is empty of jobs).  Runs of
 * similar, consecutively numbered entities are written as one range line,
 * so a regular 32,500-node pool takes a few lines per cluster.
 */
#ifndef ALLOT_MODEL_POOLFILE_H
#define ALLOT_MODEL_POOLFILE_H

#include <stddef.h>
#include <stdio.h>

#include "model/pool.h"
#include "util/err.h"

#define POOLFILE_VERSION 1
#define POOLFILE_MAX_LINE 4096        /* bytes in a line, without its end */
#define POOLFILE_MAX_NAME 64          /* bytes in a name */
#define POOLFILE_MAX_ITEMS 1000000    /* nodes; also racks, domains, ... */
#define POOLFILE_MAX_BYTES (256u << 20) /* size of a file */

/* Parses buf[0..len) (name is used in messages) into pool, which must be
 * empty (just pool_init'ed; else ERR_STATE).  Returns 0, or ERR_INVALID /
 * ERR_LIMIT with e naming the line and field; pool is untouched then. */
int poolfile_parse(const char *name, const char *buf, size_t len,
		   struct pool *pool, struct err *e);
/* Reads the file at path (named by its path in messages) the same way;
 * ERR_NOTFOUND / ERR_IO if it cannot be read, ERR_LIMIT past
 * POOLFILE_MAX_BYTES. */
int poolfile_read(const char *path, struct pool *pool, struct err *e);
/* Writes pool to f in the format above.  ERR_INVALID (naming the entity)
 * if the pool cannot be described: a name that is not 1..64 bytes of
 * letters, digits and ._-:/@+, two entities of one kind with the same
 * name, a node without a domain; ERR_IO if writing fails.  Nothing useful
 * is left in f on error. */
int poolfile_write(FILE *f, const struct pool *pool, struct err *e);

/* Loads a pool from arg into the empty pool: "gen:SPEC" builds it with the
 * generator (model/poolgen.h), anything else is read as a pool file. */
int pool_load(const char *arg, struct pool *pool, struct err *e);

#endif
