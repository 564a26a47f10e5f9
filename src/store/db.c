/*
 * db.c — the store's connections, schema migrations and group commit
 * (see db.h for the contract, db_int.h for what the row files share).
 *
 * Threads.  db_open starts one writer thread; it owns the writing
 * connection `w` from then until db_shutdown joins it.  Callers of write
 * functions link a struct db_op (on their own stack) into the queue under
 * `mu` and sleep on the op's own semaphore; the writer takes everything
 * queued (at most DB_BATCH_MAX ops), runs it in one BEGIN IMMEDIATE ...
 * COMMIT, and only then posts each op's semaphore, outside `mu` so that a
 * woken caller does not at once block on the mutex (with a condition
 * variable per op, 64 submitters made half as large batches).  sem_post
 * is the writer's last touch of an op: the caller may destroy it as soon
 * as sem_wait returns (glibc >= 2.21 guarantees sem_post does not touch
 * the semaphore after waking the waiter).  While the writer waits for
 * its fsync, new ops queue up and go into the next batch: that is the
 * group commit.  One op failing does not
 * fail the batch (statement-level rollback, or a SAVEPOINT for ops of
 * several statements); a failed COMMIT, or an error that ends the
 * transaction, fails every op of the batch.
 *
 * Readers take a connection from a pool of at most READ_MAX, guarded by
 * `rmu`; each connection caches its prepared statements by the address of
 * the SQL literal.  WAL lets them read the last commit while the writer
 * writes.
 *
 * The schema and its migrations are in db_schema.c.
 */
#include "store/db_int.h"

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/alloc.h"

#define READ_MAX 8
#define BUSY_MS 10000
#define CKPT_PASSIVE 1000 /* WAL pages: copy back what readers allow */
#define CKPT_RESTART 8000 /* WAL pages: wait for readers, start over */
#define CKPT_WAIT_MS 200  /* at most this long, then retry later */

struct db_op {
	db_op_fn run;
	void *arg;
	int savepoint;
	int rc;
	struct err err;
	sem_t done;                /* posted by the writer after the commit */
	db_done_fn async;          /* non-NULL: no one waits; the writer calls
				    * async(ctx, rc, &err) and frees the op */
	void *ctx;
	struct db_op *next;
};

struct db {
	char *path;
	int version;
	int lockfd;                /* FILE.lock, write-locked while open */

	pthread_mutex_t mu;        /* guards the queue and the flags below */
	pthread_cond_t wcv;        /* the writer waits here for work */
	pthread_cond_t scv;        /* db_shutdown callers wait for the join */
	struct db_op *head, *tail;
	int closing;               /* no new ops */
	int stopped;               /* the writer has been joined */
	int joining;               /* someone is joining it */
	int started;
	pthread_t writer;
	struct db_conn *w;
	struct db_stats stats;     /* under mu */
	int restart_at;            /* WAL pages; the writer thread's own */

	pthread_mutex_t rmu;       /* guards the read pool */
	pthread_cond_t rcv;
	struct db_conn *rfree;
	struct db_conn *rall[READ_MAX];
	int nread;
};

/* ---- Helpers shared with the row files ------------------------------- */

int
db__sqlerr(struct db_conn *c, int rc, const char *what, struct err *e)
{
	const char *msg = c != NULL && c->h != NULL ? sqlite3_errmsg(c->h) :
			  sqlite3_errstr(rc);
	int code;

	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE ||
		    rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			code = ERR_CONFLICT;
		else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
			code = ERR_NOTFOUND;
		else
			code = ERR_INVALID;
		break;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		code = ERR_INVALID;
		break;
	case SQLITE_TOOBIG:
		code = ERR_LIMIT;
		break;
	case SQLITE_NOMEM:
	case SQLITE_INTERNAL:
	case SQLITE_MISUSE:
		code = ERR_INTERNAL;
		break;
	default: /* IOERR, FULL, CANTOPEN, BUSY, LOCKED, READONLY, PERM ... */
		code = ERR_IO;
		break;
	}
	return err_set(e, code, "%s: %s", what, msg);
}

sqlite3_stmt *
db__stmt(struct db_conn *c, const char *sql, struct err *e)
{
	size_t h = ((uintptr_t)sql >> 3) % DB__NCACHE;
	int rc;

	for (size_t k = 0; k < DB__NCACHE; k++, h = (h + 1) % DB__NCACHE) {
		if (c->cache[h].sql == sql)
			return c->cache[h].st;
		if (c->cache[h].sql == NULL) {
			sqlite3_stmt *st = NULL;

			rc = sqlite3_prepare_v3(c->h, sql, -1,
						SQLITE_PREPARE_PERSISTENT, &st,
						NULL);
			if (rc != SQLITE_OK) {
				db__sqlerr(c, rc, "prepare", e);
				sqlite3_finalize(st);
				return NULL;
			}
			c->cache[h].sql = sql;
			c->cache[h].st = st;
			return st;
		}
	}
	allot_die("db: more than %d distinct statements", DB__NCACHE);
}

void
db__done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int
db__bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

char *
db__col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s == NULL ? NULL : xstrndup((const char *)s,
					  (size_t)sqlite3_column_bytes(st, i));
}

void
db__col_copy(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	size_t n = s == NULL ? 0 : (size_t)sqlite3_column_bytes(st, i);

	if (n >= cap)
		n = cap - 1;
	if (n > 0)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

int
db__check_name(const char *name, const char *field, struct err *e)
{
	size_t n;

	if (name == NULL || name[0] == '\0')
		return err_at(e, ERR_INVALID, NULL, 0, field, "empty");
	n = strlen(name);
	if (n >= DB_NAME_MAX)
		return err_at(e, ERR_LIMIT, NULL, 0, field,
			      "longer than %d bytes", DB_NAME_MAX - 1);
	return 0;
}

/* ---- Connections ------------------------------------------------------- */

int
db__exec(struct db_conn *c, const char *sql, const char *what,
	 struct err *e)
{
	int rc = sqlite3_exec(c->h, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db__sqlerr(c, rc, what, e);
}

static void
conn_close(struct db_conn *c)
{
	if (c == NULL)
		return;
	for (size_t k = 0; k < DB__NCACHE; k++)
		sqlite3_finalize(c->cache[k].st);
	sqlite3_close(c->h);
	free(c);
}

/* Opens path with the connection settings every connection needs. */
static struct db_conn *
conn_open(const char *path, int create, struct err *e)
{
	struct db_conn *c = xcalloc(1, sizeof *c);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		    (create ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(path, &c->h, flags, NULL);

	if (rc != SQLITE_OK) {
		err_set(e, ERR_IO, "%s: cannot open: %s", path,
			c->h != NULL ? sqlite3_errmsg(c->h) : sqlite3_errstr(rc));
		conn_close(c);
		return NULL;
	}
	sqlite3_extended_result_codes(c->h, 1);
	sqlite3_busy_timeout(c->h, BUSY_MS);
	return c;
}

/* ---- The writer -------------------------------------------------------- */

static void
fail_all(struct db_op *first, struct db_op *end, int code, const char *msg)
{
	for (struct db_op *op = first; op != end; op = op->next)
		if (op->rc >= 0) {
			op->rc = code;
			err_set(&op->err, code, "%s", msg);
		}
}

/* Runs ops first..end (exclusive) in one transaction. */
static void
run_batch(struct db *d, struct db_op *first, struct db_op *end)
{
	struct db_conn *c = d->w;
	struct err e;
	int rc;

	err_clear(&e);
	if (db__exec(c, "BEGIN IMMEDIATE", "begin", &e) < 0) {
		fail_all(first, end, ERR_IO, e.msg);
		return;
	}
	for (struct db_op *op = first; op != end; op = op->next) {
		err_clear(&op->err);
		if (op->savepoint &&
		    db__exec(c, "SAVEPOINT op", "savepoint", &op->err) < 0) {
			op->rc = op->err.code;
			continue;
		}
		op->rc = op->run(c, op->arg, &op->err);
		if (sqlite3_get_autocommit(c->h)) {
			/* The error ended the transaction: nothing of the
			 * batch is left. */
			snprintf(e.msg, sizeof e.msg,
				 "transaction rolled back: %.400s", op->err.msg);
			fail_all(first, end, ERR_IO, e.msg);
			return;
		}
		if (op->savepoint) {
			if (op->rc < 0)
				sqlite3_exec(c->h, "ROLLBACK TO op", NULL, NULL,
					     NULL);
			sqlite3_exec(c->h, "RELEASE op", NULL, NULL, NULL);
		}
	}
	rc = sqlite3_exec(c->h, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		db__sqlerr(c, rc, "commit", &e);
		sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
		fail_all(first, end, ERR_IO, e.msg);
	}
}

static void *
writer_main(void *arg)
{
	struct db *d = arg;

	pthread_mutex_lock(&d->mu);
	for (;;) {
		struct db_op *first, *last, *end;
		size_t n = 1;

		while (d->head == NULL && !d->closing)
			pthread_cond_wait(&d->wcv, &d->mu);
		if (d->head == NULL)
			break;
		first = last = d->head;
		while (last->next != NULL && n < DB_BATCH_MAX) {
			last = last->next;
			n++;
		}
		end = last->next;
		d->head = end;
		if (end == NULL)
			d->tail = NULL;
		pthread_mutex_unlock(&d->mu);

		run_batch(d, first, end);

		pthread_mutex_lock(&d->mu);
		d->stats.commits++;
		d->stats.ops += n;
		if (n > d->stats.max_batch)
			d->stats.max_batch = n;
		for (struct db_op *op = first; op != end; op = op->next)
			if (op->rc < 0)
				d->stats.failed_ops++;
		pthread_mutex_unlock(&d->mu);
		/* Wake the callers without holding mu, so that they do not
		 * wake only to wait for it. */
		for (struct db_op *op = first, *next; op != end; op = next) {
			next = op->next; /* op dies once its caller wakes */
			if (op->async != NULL) {
				op->async(op->ctx, op->rc, &op->err);
				free(op);
			} else {
				sem_post(&op->done);
			}
		}
		pthread_mutex_lock(&d->mu);
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

int
db__write(struct db *d, db_op_fn run, void *arg, int savepoint,
	  struct err *e)
{
	struct db_op op;

	memset(&op, 0, sizeof op);
	op.run = run;
	op.arg = arg;
	op.savepoint = savepoint;
	pthread_mutex_lock(&d->mu);
	if (d->closing) {
		pthread_mutex_unlock(&d->mu);
		return err_set(e, ERR_STATE, "%s: store is closing", d->path);
	}
	sem_init(&op.done, 0, 0);
	/* op lives on this stack until sem_wait returns, and the writer
	 * unlinks it from the queue before it posts. */
	if (d->tail != NULL) {
		d->tail->next = &op;
	} else {
		/* cppcheck-suppress autoVariables */
		d->head = &op;
		pthread_cond_signal(&d->wcv);
	}
	/* cppcheck-suppress autoVariables */
	d->tail = &op;
	pthread_mutex_unlock(&d->mu);
	while (sem_wait(&op.done) != 0 && errno == EINTR)
		continue;
	sem_destroy(&op.done);
	if (op.rc < 0 && e != NULL)
		*e = op.err;
	return op.rc;
}

int
db__write_async(struct db *d, db_op_fn run, void *arg, int savepoint,
		db_done_fn done, void *ctx, struct err *e)
{
	struct db_op *op = xcalloc(1, sizeof *op);

	op->run = run;
	op->arg = arg;
	op->savepoint = savepoint;
	op->async = done;
	op->ctx = ctx;
	pthread_mutex_lock(&d->mu);
	if (d->closing) {
		pthread_mutex_unlock(&d->mu);
		free(op);
		return err_set(e, ERR_STATE, "%s: store is closing", d->path);
	}
	if (d->tail != NULL) {
		d->tail->next = op;
	} else {
		d->head = op;
		pthread_cond_signal(&d->wcv);
	}
	d->tail = op;
	pthread_mutex_unlock(&d->mu);
	return 0;
}

/* ---- Readers ----------------------------------------------------------- */

struct db_conn *
db__read_begin(struct db *d, struct err *e)
{
	struct db_conn *c;

	pthread_mutex_lock(&d->rmu);
	while (d->rfree == NULL && d->nread >= READ_MAX)
		pthread_cond_wait(&d->rcv, &d->rmu);
	if ((c = d->rfree) != NULL) {
		d->rfree = c->next;
		pthread_mutex_unlock(&d->rmu);
		return c;
	}
	d->nread++; /* reserve the slot, open outside the lock */
	pthread_mutex_unlock(&d->rmu);
	c = conn_open(d->path, 0, e);
	if (c != NULL && db__exec(c, "PRAGMA query_only = 1", "open", e) < 0) {
		conn_close(c);
		c = NULL;
	}
	pthread_mutex_lock(&d->rmu);
	if (c == NULL) {
		d->nread--;
		pthread_cond_signal(&d->rcv);
	} else {
		for (int k = 0; k < READ_MAX; k++)
			if (d->rall[k] == NULL) {
				d->rall[k] = c;
				break;
			}
	}
	pthread_mutex_unlock(&d->rmu);
	return c;
}

void
db__read_end(struct db *d, struct db_conn *c)
{
	pthread_mutex_lock(&d->rmu);
	c->next = d->rfree;
	d->rfree = c;
	pthread_cond_signal(&d->rcv);
	pthread_mutex_unlock(&d->rmu);
}

/* ---- Checkpoints ------------------------------------------------------- */

/* Called by SQLite on the writer thread after each commit (the write lock
 * released), with the WAL's size in pages; it replaces the automatic
 * checkpoint.  A passive checkpoint copies back only the frames no
 * reader still needs, and the WAL starts over from its beginning only
 * when no reader uses it, so under a steady stream of overlapping reads
 * (the API's lists) passive checkpoints alone let the WAL grow without
 * bound (190 MB in 12 s with 4 readers).  Past CKPT_RESTART pages the
 * writer therefore waits for the readers of old snapshots to finish —
 * reads are short — and restarts the WAL.  It waits at most CKPT_WAIT_MS
 * (a read callback may be slow), and after a failed attempt tries again
 * only CKPT_PASSIVE pages later, so a long read costs the writer one
 * short stall per 4 MB of WAL, not one per commit. */
static int
wal_hook(void *arg, sqlite3 *h, const char *name, int pages)
{
	struct db *d = arg;
	int rc;

	if (pages >= d->restart_at) {
		sqlite3_busy_timeout(h, CKPT_WAIT_MS);
		rc = sqlite3_wal_checkpoint_v2(h, name,
					       SQLITE_CHECKPOINT_RESTART, NULL,
					       NULL);
		sqlite3_busy_timeout(h, BUSY_MS);
		d->restart_at = rc == SQLITE_OK ? CKPT_RESTART :
			pages + CKPT_PASSIVE;
	} else if (pages >= CKPT_PASSIVE) {
		sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE,
					  NULL, NULL);
	}
	return SQLITE_OK;
}

/* ---- Open and close ---------------------------------------------------- */

/* One allot per database: a POSIX write lock on FILE.lock, held until
 * db_close.  Such locks belong to the process and die with it (kill -9
 * included), and a fork does not inherit them, so the executor's
 * shepherds never keep a database locked after the daemon is gone. */
static int
lock_file(struct db *d, struct err *e)
{
	size_t n = strlen(d->path) + 6;
	char *lp = xmalloc(n);
	struct flock fl;
	int fd, rc = 0;

	snprintf(lp, n, "%s.lock", d->path);
	if ((fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		rc = err_set(e, ERR_IO, "%s: cannot open: %s", lp,
			     strerror(errno));
		goto out;
	}
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		int err = errno;

		if (err == EACCES || err == EAGAIN) {
			memset(&fl, 0, sizeof fl);
			fl.l_type = F_WRLCK;
			fl.l_whence = SEEK_SET;
			if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
				rc = err_set(e, ERR_CONFLICT, "%s: in use by "
					     "another allot (pid %ld)", d->path,
					     (long)fl.l_pid);
			else
				rc = err_set(e, ERR_CONFLICT, "%s: in use by "
					     "another allot", d->path);
		} else {
			rc = err_set(e, ERR_IO, "%s: cannot lock: %s", lp,
				     strerror(err));
		}
		close(fd);
		goto out;
	}
	d->lockfd = fd;
out:
	free(lp);
	return rc;
}

static void
db_free(struct db *d)
{
	for (int k = 0; k < READ_MAX; k++)
		conn_close(d->rall[k]);
	conn_close(d->w);
	if (d->lockfd >= 0)
		close(d->lockfd); /* after the connections: see lock_file */
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->wcv);
	pthread_cond_destroy(&d->scv);
	pthread_mutex_destroy(&d->rmu);
	pthread_cond_destroy(&d->rcv);
	free(d->path);
	free(d);
}

int
db_open(const char *path, struct db **out, struct err *e)
{
	struct db *d;
	long long v = 0;
	char mode[16] = "";
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	if (path == NULL || path[0] == '\0')
		return err_set(e, ERR_INVALID, "database path is empty");
	d = xcalloc(1, sizeof *d);
	d->path = xstrdup(path);
	d->lockfd = -1;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->wcv, NULL);
	pthread_cond_init(&d->scv, NULL);
	pthread_mutex_init(&d->rmu, NULL);
	pthread_cond_init(&d->rcv, NULL);
	if ((d->w = conn_open(path, 1, e)) == NULL) {
		rc = ERR_IO;
		goto fail;
	}
	/* The first read of the file: tells an SQLite file from others. */
	if ((rc = db__pragma_int(d->w, "PRAGMA user_version", &v, e)) < 0) {
		if (rc == ERR_INVALID)
			err_set(e, ERR_INVALID,
				"%s: not an SQLite database (%s)", path,
				sqlite3_errmsg(d->w->h));
		else
			err_prefix(e, path);
		goto fail;
	}
	if (v > DB_SCHEMA_VERSION) {
		rc = db__too_new(path, v, e);
		goto fail;
	}
	/* Nothing is written before the lock is ours. */
	if ((rc = lock_file(d, e)) < 0)
		goto fail;
	/* journal_mode answers with the mode it got. */
	rc = sqlite3_prepare_v2(d->w->h, "PRAGMA journal_mode = WAL", -1, &st,
				NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		db__col_copy(st, 0, mode, sizeof mode);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		rc = db__sqlerr(d->w, rc, "journal_mode", e);
		err_prefix(e, path);
		goto fail;
	}
	if (strcmp(mode, "wal") != 0) {
		rc = err_set(e, ERR_IO, "%s: cannot use WAL (journal mode %s)",
			     path, mode);
		goto fail;
	}
	if ((rc = db__exec(d->w, "PRAGMA synchronous = FULL;"
			   "PRAGMA foreign_keys = ON", "pragma", e)) < 0) {
		err_prefix(e, path);
		goto fail;
	}
	if ((rc = db__migrate(d->w, path, &d->version, e)) < 0)
		goto fail;
	d->restart_at = CKPT_RESTART;
	sqlite3_wal_hook(d->w->h, wal_hook, d);
	if (pthread_create(&d->writer, NULL, writer_main, d) != 0) {
		rc = err_set(e, ERR_INTERNAL, "%s: cannot start the writer: %s",
			     path, strerror(errno));
		goto fail;
	}
	d->started = 1;
	*out = d;
	return 0;
fail:
	db_free(d);
	return rc;
}

void
db_shutdown(struct db *d)
{
	pthread_mutex_lock(&d->mu);
	d->closing = 1;
	pthread_cond_signal(&d->wcv);
	if (d->joining) {
		while (!d->stopped)
			pthread_cond_wait(&d->scv, &d->mu);
		pthread_mutex_unlock(&d->mu);
		return;
	}
	d->joining = 1;
	pthread_mutex_unlock(&d->mu);
	if (d->started)
		pthread_join(d->writer, NULL);
	pthread_mutex_lock(&d->mu);
	d->stopped = 1;
	pthread_cond_broadcast(&d->scv);
	pthread_mutex_unlock(&d->mu);
}

void
db_close(struct db *d)
{
	if (d == NULL)
		return;
	db_shutdown(d);
	db_free(d);
}

int
db_schema_version(struct db *d)
{
	return d->version;
}

void
db_stats(struct db *d, struct db_stats *out)
{
	pthread_mutex_lock(&d->mu);
	*out = d->stats;
	pthread_mutex_unlock(&d->mu);
}
