/*
 * test-audit.c — the hash-chained audit log: known SHA-256 vectors, a
 * chain that verifies, and every kind of tampering detected and named:
 * an edited field, an edit with a recomputed hash, reordered, removed and
 * truncated entries; the JSONL reader's errors.
 */
#include <stdio.h>
#include <string.h>

#include "ledger/audit.h"
#include "store/auditfile.h"
#include "test.h"

TEST(audit_sha256_vectors)
{
	char h[AUDIT_HEX];

	audit_sha256_hex("", 0, h);
	CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	audit_sha256_hex("abc", 3, h);
	CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
three(struct audit_log *l)
{
	struct audit_input in = {"scores.csv", ""};
	struct err e;

	audit_sha256_hex("team,score\nlg,90.2\n", 19, in.sha256);
	audit_init(l);
	CHECK_EQ_INT(audit_append(l, 100, AUDIT_AWARD, "opencall-v1", NULL, 0,
				  "{\"tenant\":\"kaist\",\"gpus\":128}", &e), 0);
	CHECK_EQ_INT(audit_append(l, 200, AUDIT_ROUND, "round-v1", &in, 1,
				  "{\"eliminated\":[\"nc\"]}", &e), 0);
	CHECK_EQ_INT(audit_append(l, 300, AUDIT_REALLOCATION, "round-v1", NULL, 0,
				  "{\"to\":\"lg\",\"gpus\":256}", &e), 0);
}

TEST(audit_chain_verifies)
{
	struct audit_log l;
	struct err e;
	char head[AUDIT_HEX];

	three(&l);
	CHECK_EQ_INT(l.v[0].seq, 1);
	CHECK_STR(l.v[1].prev, l.v[0].hash);
	CHECK_EQ_INT(audit_verify(&l, NULL, &e), 0);
	memcpy(head, l.v[2].hash, AUDIT_HEX);
	CHECK_EQ_INT(audit_verify(&l, head, &e), 0);
	/* Same inputs, same chain: deterministic. */
	struct audit_log m;
	three(&m);
	CHECK_STR(m.v[2].hash, head);
	audit_free(&m);
	audit_free(&l);
}

TEST(audit_tampering_detected)
{
	struct audit_log l;
	struct err e;
	char head[AUDIT_HEX];

	/* An edited payload. */
	three(&l);
	l.v[1].payload[2] = 'X';
	CHECK_EQ_INT(audit_verify(&l, NULL, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "entry 2 (seq 2): edited");
	/* Edited and its hash recomputed: the next link breaks. */
	audit_entry_hash(&l.v[1], l.v[1].hash);
	CHECK_EQ_INT(audit_verify(&l, NULL, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "entry 3 (seq 3): unlinked");
	audit_free(&l);
	/* An edited input hash or time. */
	three(&l);
	l.v[1].inputs[0].sha256[0] = l.v[1].inputs[0].sha256[0] == 'a' ? 'b' : 'a';
	CHECK_EQ_INT(audit_verify(&l, NULL, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "entry 2 (seq 2): edited");
	audit_free(&l);
	three(&l);
	l.v[0].time = 101;
	CHECK_EQ_INT(audit_verify(&l, NULL, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "entry 1 (seq 1): edited");
	audit_free(&l);
	/* Reordered. */
	three(&l);
	struct audit_entry t = l.v[1];
	l.v[1] = l.v[2];
	l.v[2] = t;
	CHECK_EQ_INT(audit_verify(&l, NULL, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "entry 2 (seq 3)");
	audit_free(&l);
	/* Removed from the middle. */
	three(&l);
	t = l.v[1];
	l.v[1] = l.v[2];
	l.n = 2;
	CHECK_EQ_INT(audit_verify(&l, NULL, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "missing or reordered");
	l.v[2] = t;
	l.n = 3;
	audit_free(&l);
	/* Removed from the end: only a known head tells. */
	three(&l);
	memcpy(head, l.v[2].hash, AUDIT_HEX);
	l.n = 2;
	CHECK_EQ_INT(audit_verify(&l, NULL, &e), 0);
	CHECK_EQ_INT(audit_verify(&l, head, &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "not the expected head");
	l.n = 3;
	audit_free(&l);
}

TEST(audit_append_rejects_bad_fields)
{
	struct audit_log l;
	struct audit_input bad = {"x.csv", "abc"};
	struct err e;

	audit_init(&l);
	CHECK_EQ_INT(audit_append(&l, 1, 99, "v1", NULL, 0, "{}", &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "kind");
	CHECK_EQ_INT(audit_append(&l, 1, AUDIT_AWARD, "", NULL, 0, "{}", &e),
		     ERR_INVALID);
	CHECK_CONTAINS(e.msg, "policy");
	CHECK_EQ_INT(audit_append(&l, 1, AUDIT_AWARD, "v1", &bad, 1, "{}", &e),
		     ERR_INVALID);
	CHECK_CONTAINS(e.msg, "inputs");
	CHECK_EQ_INT(audit_append(&l, 1, AUDIT_AWARD, "v1", NULL, 0, NULL, &e),
		     ERR_LIMIT);
	CHECK_EQ_INT(l.n, 0); /* nothing half-applied */
	audit_free(&l);
}

TEST(auditfile_round_trip_and_errors)
{
	struct audit_log l, r;
	struct err e;
	char path[512], *buf = NULL;
	size_t len = 0;
	FILE *f;

	three(&l);
	snprintf(path, sizeof path, "%s/audit.jsonl", test_tmpdir());
	for (size_t i = 0; i < l.n; i++) {
		struct audit_log one = {l.v, i + 1, i + 1};
		CHECK_EQ_INT(auditfile_append(path, &one, &e), 0);
	}
	audit_init(&r);
	CHECK_EQ_INT(auditfile_read(path, &r, &e), 0);
	CHECK_EQ_INT(r.n, 3);
	CHECK_EQ_INT(audit_verify(&r, l.v[2].hash, &e), 0);
	CHECK_STR(r.v[1].payload, l.v[1].payload);
	audit_free(&r);
	/* The bytes: one JSON object per line, payload a string. */
	f = open_memstream(&buf, &len);
	CHECK_EQ_INT(auditfile_write_entry(f, &l.v[0]), 0);
	fclose(f);
	CHECK_CONTAINS(buf, "{\"seq\":1,\"time\":100,\"kind\":\"award\"");
	CHECK_CONTAINS(buf, "\"payload\":\"{\\\"tenant\\\":\\\"kaist\\\",\\\"gpus\\\":128}\"");
	free(buf);
	audit_free(&l);

	static const struct {
		const char *text, *want;
	} bad[] = {
		{"{\"seq\":1,\"time\":1,\"kind\":\"award\"", "log:1: column"},
		{"[1,2]\n", "log:1: expected an object"},
		{"{\"seq\":0}\n", "log:1: seq: expected an integer >= 1"},
		{"{\"seq\":1,\"time\":\"x\"}\n", "log:1: time: expected an integer"},
		{"{\"seq\":1,\"time\":1,\"kind\":\"gift\"}\n", "log:1: kind: unknown kind"},
		{"{\"seq\":1,\"time\":1,\"kind\":\"award\",\"policy\":\"v\",\"prev\":\"a\","
		 "\"hash\":\"b\",\"payload\":7,\"inputs\":[]}\n", "log:1: payload:"},
		{"{\"seq\":1,\"time\":1,\"kind\":\"award\",\"policy\":\"v\",\"prev\":\"a\","
		 "\"hash\":\"b\",\"payload\":\"{}\",\"inputs\":[3]}\n", "log:1: inputs[0]:"},
		{"{\"seq\":1,\"seq\":2}\n", "log:1: column"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		audit_init(&r);
		CHECK_EQ_INT(auditfile_parse("log", bad[i].text, strlen(bad[i].text),
					     &r, &e), ERR_INVALID);
		CHECK_CONTAINS(e.msg, bad[i].want);
		CHECK_EQ_INT(r.n, 0);
		audit_free(&r);
	}
}
