/*
 * korea.h — the built-in Korean national GPU pool and the `korea-2026`
 * scenario's workload defaults (what `allot run korea-2026` replays).
 *
 * The pool follows the sourced facts of DESIGN.md §1 (research notes of
 * 2025-2026; what is our choice is marked as such in korea.c):
 *
 *	provider  site        cluster        model  servers  GPUs
 *	NHN       nhn-gov     nhn-b200-a     B200   510      4,080
 *	NHN       nhn-gov     nhn-b200-b     B200   255      2,040
 *	Kakao     kakao-gov   kakao-b200     B200   255      2,040
 *	Naver     naver-gov   naver-h200-a   H200   255      2,040
 *	Naver     naver-gov   naver-h200-b   H200    32        256
 *	SKT       skt-rent    skt-b200       B200   128      1,024
 *	Naver     naver-rent  naver-h100     H100   125      1,000
 *	Gov       gov-2025    gov-b200       B200   240      1,920
 *	Gov       gov-2025    gov-h200       H200    95        760
 *	Gov       gov-2026    gov-b300       B300 1,212      9,696
 *	                                            -----   ------
 *	                                            3,107   24,856
 *
 * (at their fullest: when each cluster is there is the korea-2026
 * scenario's business, below)
 *
 * Every server has 8 GPUs and is its own NVLink domain (HGX); racks hold
 * 4 servers.  --scale X multiplies each cluster's server count (rounded to
 * the nearest whole server, at least 1).
 *
 * The pool is declarative: korea_pool_text writes it as a pool description
 * (docs/POOL-FORMAT.md) from the table, and korea_pool parses that text
 * with poolfile_parse, so `allot run --out` can save the exact pool that
 * ran and `allot pool show` / `allot sim --pool` can read it back.
 *
 * No globals, no I/O: the table is constant data.
 */
#ifndef ALLOT_SIM_KOREA_H
#define ALLOT_SIM_KOREA_H

#include <stddef.h>
#include <stdint.h>

#include "model/pool.h"
#include "sim/synth.h"
#include "util/err.h"

#define KOREA_SCENARIO "korea-2026"
#define KOREA_SYNTHETIC "korea-synthetic" /* the pool with synth.h's workload */
#define KOREA_GPUS_PER_NODE 8
#define KOREA_MAX_SCALE 100.0

/* One cluster of the national pool at scale 1. */
struct korea_cluster {
	const char *provider;
	const char *site;
	const char *cluster;
	const char *model;   /* a built-in model (model/poolgen.h) */
	uint32_t nodes;      /* eight-GPU servers */
	const char *prefix;  /* node names: PREFIX000 ... */
	const char *source;  /* what the figure rests on */
};

/* The i-th cluster of the table (0-based), or NULL past the end. */
const struct korea_cluster *korea_cluster_at(size_t i);

/* Servers of a cluster of n servers at scale: n * scale rounded to the
 * nearest whole server, at least 1.  scale must be in (0, KOREA_MAX_SCALE]. */
uint32_t korea_scaled_nodes(uint32_t n, double scale);

/* Checks that s names a known scenario: 0, or ERR_NOTFOUND with e saying
 * which scenarios exist. */
int korea_scenario_check(const char *s, struct err *e);

/* Writes the pool description at scale into a new NUL-terminated buffer
 * that the caller frees; *len (if not NULL) gets its length.  ERR_INVALID
 * (nothing allocated) if scale is not in (0, KOREA_MAX_SCALE]. */
int korea_pool_text(double scale, char **text, size_t *len, struct err *e);

/* Builds the pool at scale into p, which must be empty (just
 * pool_init'ed).  ERR_INVALID for a bad scale; p is untouched on error. */
int korea_pool(double scale, struct pool *p, struct err *e);

/* The scenario's workload defaults over synth_defaults: 60 tenants
 * (Zipf 1.1), offered load 0.9, arrivals over KOREA_HOURS hours, seed 1.
 * The span is short because `make run` must finish in 10 s on 2 cores
 * (docs/BENCHMARKS.md); longer runs take --days. */
#define KOREA_HOURS 48
#define KOREA_TENANTS 60
#define KOREA_LOAD 0.9
void korea_workload_defaults(struct synth_opts *o);
/* The korea-2026 programme as a program scenario file (sim/progfile.h,
 * docs/PROGRAMS.md): what `allot run korea-2026` replays; `allot run
 * korea-2026 --print-scenario` prints it to start one's own. */
/* Returns a new NUL-terminated copy the caller frees; *len (if not NULL)
 * gets its length. */
char *korea_scenario_text(size_t *len);

#endif
