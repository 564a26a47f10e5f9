/*
 * journal.h — the daemon's audit trail: decisions that move GPUs (grants
 * that change quotas, preemptions) appended to the hash-chained audit log
 * (ledger/audit.h) and stored durably in the store's audit table.
 *
 * The chain lives in memory (loaded whole at start; entries are rare) so
 * that each new entry links to the last; one mutex serialises appends, and
 * an entry is in memory only once the store has committed it.
 */
#ifndef ALLOT_API_JOURNAL_H
#define ALLOT_API_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ledger/audit.h"
#include "store/db.h"
#include "util/err.h"

#define JOURNAL_POLICY "allot-serve/1"

struct journal;

/* Loads the stored chain (ERR_* from the store). */
int journal_open(struct db *d, struct journal **out, struct err *e);
void journal_free(struct journal *j);
/* Appends a decision of kind (enum audit_kind) with payload (JSON text)
 * at time t: durable when it returns 0. */
int journal_append(struct journal *j, int64_t t, int kind, const char *payload,
		   struct err *e);
/* Entries with seq > after, at most limit, as a JSON array. */
json_t *journal_json(struct journal *j, uint64_t after, size_t limit);
/* Re-reads the chain from the store and verifies it: {"ok", "entries",
 * "head"} or {"ok": false, "error"}. */
json_t *journal_verify(struct journal *j);

#endif
