/*
 * audit.h — the tamper-evident audit log of every decision that moves
 * GPUs (an award, a round result, a reclaim, a reallocation, a quota
 * change, a preemption), with its inputs and policy version.
 *
 * Entries form a hash chain: each entry's hash is SHA-256 over its
 * canonical form, which includes the previous entry's hash.  Editing any
 * field of an entry changes its hash; reordering or removing entries
 * breaks the sequence numbers and the links.  Removing entries from the
 * end leaves a valid shorter chain, so that is detected only against a
 * head hash kept elsewhere (audit_verify's `head`).
 *
 * Canonical form (what is hashed), every field length-prefixed so no two
 * different entries share one: "allot-audit-1" seq time kind policy
 * ninputs {name sha256}* payload prev, each as "<decimal length>:<bytes>;".
 * The payload is the decision itself as JSON text, hashed byte for byte.
 *
 * Pure: no I/O (store/auditfile.h reads and writes the log as JSONL).
 */
#ifndef ALLOT_LEDGER_AUDIT_H
#define ALLOT_LEDGER_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define AUDIT_HEX 65 /* 64 hex digits and a NUL */
#define AUDIT_MAX_NAME 128
#define AUDIT_MAX_POLICY 64
#define AUDIT_MAX_INPUTS 64
#define AUDIT_MAX_PAYLOAD (1 << 20)

enum audit_kind {
	AUDIT_AWARD = 0,
	AUDIT_ROUND,
	AUDIT_RECLAIM,
	AUDIT_REALLOCATION,
	AUDIT_QUOTA,
	AUDIT_PREEMPTION,
	AUDIT_NKINDS
};

struct audit_input {
	char name[AUDIT_MAX_NAME];  /* e.g. "scores.csv" */
	char sha256[AUDIT_HEX];     /* content hash, lower-case hex */
};

struct audit_entry {
	uint64_t seq;               /* 1, 2, 3, ... */
	int64_t time;               /* seconds (UTC epoch or virtual) */
	int kind;                   /* enum audit_kind */
	char policy[AUDIT_MAX_POLICY]; /* policy version */
	struct audit_input *inputs; /* owned */
	size_t ninputs;
	char *payload;              /* owned, NUL-terminated JSON text */
	char prev[AUDIT_HEX];       /* the previous entry's hash (zeros first) */
	char hash[AUDIT_HEX];
};

struct audit_log {
	struct audit_entry *v;
	size_t n, cap;
};

void audit_init(struct audit_log *l);
void audit_free(struct audit_log *l);
const char *audit_kind_name(int kind);
/* "award", ...; -1 if unknown. */
int audit_kind_parse(const char *s);
/* SHA-256 of data as lower-case hex. */
void audit_sha256_hex(const void *data, size_t len, char out[AUDIT_HEX]);
/* The hash an entry's fields give (ignores e->hash). */
void audit_entry_hash(const struct audit_entry *e, char out[AUDIT_HEX]);

/* Appends a decision: checks the fields (ERR_INVALID naming the field,
 * ERR_LIMIT for sizes), copies them, sets seq, prev and hash.  Nothing is
 * appended on error. */
int audit_append(struct audit_log *l, int64_t time, int kind,
		 const char *policy, const struct audit_input *inputs,
		 size_t ninputs, const char *payload, struct err *e);
/* Adds an entry as read from storage, fields and hashes as they are (for
 * audit_verify to judge).  Takes ownership of x's inputs and payload. */
void audit_push_raw(struct audit_log *l, struct audit_entry *x);

/* Checks the chain: sequence numbers 1..n, each prev the previous hash,
 * each hash recomputed; with head (not NULL), the last hash must be head.
 * Returns 0, or ERR_INVALID with a message naming the first bad entry and
 * what is wrong ("entry 3 (seq 3): edited: its hash does not match its
 * contents"). */
int audit_verify(const struct audit_log *l, const char *head, struct err *e);

#endif
