/*
 * audit.c — the hash-chained audit log (see audit.h).  SHA-256 comes from
 * libsodium.
 */
#include "ledger/audit.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static const char *const kind_names[AUDIT_NKINDS] = {
	"award", "round", "reclaim", "reallocation", "quota", "preemption",
};

static const char zero_hash[AUDIT_HEX] =
	"0000000000000000000000000000000000000000000000000000000000000000";

void
audit_init(struct audit_log *l)
{
	memset(l, 0, sizeof *l);
}

void
audit_free(struct audit_log *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].inputs);
		free(l->v[i].payload);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

const char *
audit_kind_name(int kind)
{
	return kind >= 0 && kind < AUDIT_NKINDS ? kind_names[kind] : "?";
}

int
audit_kind_parse(const char *s)
{
	for (int i = 0; i < AUDIT_NKINDS; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -1;
}

static void
hex(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

void
audit_sha256_hex(const void *data, size_t len, char out[AUDIT_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	hex(h, sizeof h, out);
}

/* Feeds one length-prefixed field. */
static void
field(crypto_hash_sha256_state *st, const void *p, size_t n)
{
	char len[32];
	int k = snprintf(len, sizeof len, "%zu:", n);

	crypto_hash_sha256_update(st, (const unsigned char *)len, (size_t)k);
	crypto_hash_sha256_update(st, p, n);
	crypto_hash_sha256_update(st, (const unsigned char *)";", 1);
}

static void
field_str(crypto_hash_sha256_state *st, const char *s)
{
	field(st, s, strlen(s));
}

void
audit_entry_hash(const struct audit_entry *x, char out[AUDIT_HEX])
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	char num[32];

	crypto_hash_sha256_init(&st);
	field_str(&st, "allot-audit-1");
	snprintf(num, sizeof num, "%" PRIu64, x->seq);
	field_str(&st, num);
	snprintf(num, sizeof num, "%" PRId64, x->time);
	field_str(&st, num);
	field_str(&st, audit_kind_name(x->kind));
	field_str(&st, x->policy);
	snprintf(num, sizeof num, "%zu", x->ninputs);
	field_str(&st, num);
	for (size_t i = 0; i < x->ninputs; i++) {
		field_str(&st, x->inputs[i].name);
		field_str(&st, x->inputs[i].sha256);
	}
	field_str(&st, x->payload != NULL ? x->payload : "");
	field_str(&st, x->prev);
	crypto_hash_sha256_final(&st, h);
	hex(h, sizeof h, out);
}

static int
is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

int
audit_append(struct audit_log *l, int64_t time, int kind, const char *policy,
	     const struct audit_input *inputs, size_t ninputs,
	     const char *payload, struct err *e)
{
	struct audit_entry x;

	if (kind < 0 || kind >= AUDIT_NKINDS)
		return err_at(e, ERR_INVALID, NULL, 0, "kind", "unknown kind %d",
			      kind);
	if (policy == NULL || *policy == '\0' || strlen(policy) >= AUDIT_MAX_POLICY)
		return err_at(e, ERR_INVALID, NULL, 0, "policy",
			      "a version of 1 to %d bytes is required",
			      AUDIT_MAX_POLICY - 1);
	if (ninputs > AUDIT_MAX_INPUTS)
		return err_at(e, ERR_LIMIT, NULL, 0, "inputs", "more than %d",
			      AUDIT_MAX_INPUTS);
	for (size_t i = 0; i < ninputs; i++)
		if (inputs[i].name[0] == '\0' || !is_hex64(inputs[i].sha256))
			return err_at(e, ERR_INVALID, NULL, 0, "inputs",
				      "input %zu: a name and a 64-digit hex "
				      "SHA-256 are required", i + 1);
	if (payload == NULL || strlen(payload) > AUDIT_MAX_PAYLOAD)
		return err_at(e, ERR_LIMIT, NULL, 0, "payload",
			      "missing or over %d bytes", AUDIT_MAX_PAYLOAD);
	memset(&x, 0, sizeof x);
	x.seq = l->n + 1;
	x.time = time;
	x.kind = kind;
	snprintf(x.policy, sizeof x.policy, "%s", policy);
	x.ninputs = ninputs;
	x.inputs = xcalloc(ninputs + 1, sizeof *x.inputs);
	if (ninputs > 0)
		memcpy(x.inputs, inputs, ninputs * sizeof *x.inputs);
	x.payload = xstrdup(payload);
	memcpy(x.prev, l->n > 0 ? l->v[l->n - 1].hash : zero_hash, AUDIT_HEX);
	audit_entry_hash(&x, x.hash);
	audit_push_raw(l, &x);
	return 0;
}

void
audit_push_raw(struct audit_log *l, struct audit_entry *x)
{
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof *l->v);
	l->v[l->n++] = *x;
	x->inputs = NULL;
	x->payload = NULL;
}

int
audit_verify(const struct audit_log *l, const char *head, struct err *e)
{
	char h[AUDIT_HEX];

	for (size_t i = 0; i < l->n; i++) {
		const struct audit_entry *x = &l->v[i];
		const char *want_prev = i > 0 ? l->v[i - 1].hash : zero_hash;
		if (x->seq != i + 1)
			return err_set(e, ERR_INVALID, "entry %zu (seq %" PRIu64
				       "): %s: expected seq %zu", i + 1, x->seq,
				       x->seq > i + 1 ? "entries missing or reordered before it"
						      : "reordered or duplicated",
				       i + 1);
		if (strcmp(x->prev, want_prev) != 0)
			return err_set(e, ERR_INVALID, "entry %zu (seq %" PRIu64
				       "): unlinked: its prev is not the hash "
				       "of entry %zu", i + 1, x->seq, i);
		audit_entry_hash(x, h);
		if (strcmp(h, x->hash) != 0)
			return err_set(e, ERR_INVALID, "entry %zu (seq %" PRIu64
				       "): edited: its hash does not match its "
				       "contents", i + 1, x->seq);
	}
	if (head != NULL) {
		const char *last = l->n > 0 ? l->v[l->n - 1].hash : zero_hash;
		if (strcmp(last, head) != 0)
			return err_set(e, ERR_INVALID, "the last entry's hash is "
				       "not the expected head: entries removed "
				       "from the end, or a different log (%zu "
				       "entries)", l->n);
	}
	return 0;
}
