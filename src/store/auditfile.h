/*
 * auditfile.h — the audit log on disk: one JSON object per line, in
 * sequence order:
 *
 *	{"seq":1,"time":1767225600,"kind":"award","policy":"opencall-v1",
 *	 "inputs":[{"name":"scores.csv","sha256":"..."}],
 *	 "payload":"{\"tenant\":\"kaist\",\"gpus\":128}",
 *	 "prev":"000...0","hash":"..."}
 *
 * The payload is kept as a JSON string so that its bytes — what the hash
 * covers — survive any re-serialisation.  Appending writes one line and
 * flushes it to disk before returning (fsync): an acknowledged decision is
 * never lost.  Reading checks every field's type and size and names the
 * place (file:line: field: reason); whether the chain holds is
 * audit_verify's question, not the reader's.
 */
#ifndef ALLOT_STORE_AUDITFILE_H
#define ALLOT_STORE_AUDITFILE_H

#include <stdio.h>

#include "ledger/audit.h"
#include "util/err.h"

#define AUDITFILE_MAX_LINE (AUDIT_MAX_PAYLOAD * 2 + 65536)
#define AUDITFILE_MAX_BYTES ((size_t)1 << 30)

/* Reads path into l (which must be empty). */
int auditfile_read(const char *path, struct audit_log *l, struct err *e);
/* The same over a buffer; name is used in messages. */
int auditfile_parse(const char *name, const char *buf, size_t len,
		    struct audit_log *l, struct err *e);
/* Writes entry x as one line to f (no flush). */
int auditfile_write_entry(FILE *f, const struct audit_entry *x);
/* Appends the log's last entry to path and syncs it to disk. */
int auditfile_append(const char *path, const struct audit_log *l,
		     struct err *e);

#endif
