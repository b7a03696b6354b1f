/*
 * persist.h - Osprey's store: LMDB, a batched writer stage, recovery.
 *
 * Layout. persist_open() takes a DIRECTORY (created if missing, mode 0755)
 * that holds LMDB's data.mdb and lock.mdb. One environment, four named
 * databases:
 *
 *   orders     key: order_id, big-endian u64 (so keys sort numerically)
 *              value: struct persist_order (the ORDER_NEW as sent plus the
 *              latest report's status, leaves and cum, updated per report)
 *   reports    the journal, key: record counter, big-endian u64, dense and
 *              increasing across runs; value: the whole struct persist_rec
 *              (80 bytes) of every PERSIST_REPORT and of every PERSIST_ORDER
 *              that is not an ORDER_NEW (cancel, cancel-all requests), plus
 *              records of unknown kind, so nothing sent is lost
 *   positions  key: locate, big-endian u16; value: struct position (40 bytes),
 *              moved by every fill report (core_position_apply) in the
 *              transaction that journals it, so positions and the journal
 *              agree at any crash point; a PERSIST_POSITION record sets one
 *   meta       key: a short string without NUL; value: bytes. Names used
 *              by the engine: PERSIST_META_* below (u64 values big-endian)
 *   models     the model registry, key: name, NUL, version (big-endian u32),
 *              so a cursor walks names in order and each name's versions in
 *              order; value: struct persist_model_meta, then the model file's
 *              bytes (see "Model registry" below)
 *
 * Values are the in-memory structs of core.h, native byte order, each orders,
 * positions and journal value followed by a 4-byte seal (a checksum of its
 * key and value: a record changed on disk is refused, not believed): their
 * layouts are pinned by static_assert there and the store is read back only
 * on the host kind that wrote it.
 *
 * Durability: every commit is a durable LMDB transaction unless the sync
 * option relaxes it. The writer commits when a batch reaches `batch` records
 * or its input rings are empty, so a crash loses at most the records not yet
 * committed; they are never released from the ring before their commit.
 *
 * Errors: LMDB's codes become negative errno values (persist_errno()):
 *   MDB_MAP_FULL -> -ENOSPC      MDB_TXN_FULL, MDB_CURSOR_FULL, MDB_PAGE_FULL -> -E2BIG
 *   MDB_DBS_FULL -> -EMFILE      MDB_READERS_FULL, MDB_MAP_RESIZED -> -EAGAIN
 *   MDB_NOTFOUND -> -ENOENT      MDB_KEYEXIST -> -EEXIST
 *   MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_PANIC -> -EIO
 *   MDB_INVALID (not an LMDB file), MDB_VERSION_MISMATCH -> -EPROTO
 *   MDB_TLS_FULL -> -ENOMEM      other MDB_* codes (bad txn/dbi/size) -> -EINVAL
 *   system errors (positive errno from LMDB) -> the same errno, negated.
 * Functions that take err/errlen write "persist: what(where) in PATH: LMDB text".
 *
 * Threads: persist_open/persist_close on a setup thread, with no writer
 * running. The recovery and meta functions may be called from any thread,
 * including while the writer runs (LMDB readers never block; persist_set_meta
 * waits for the writer's open batch, if any, to commit). The writer's poll
 * function belongs to one thread; its stats and backlog getters to any.
 */
#ifndef OSPREY_PERSIST_H
#define OSPREY_PERSIST_H

#include "core.h"

#define PERSIST_META_NEXT_ORDER_ID "next_order_id" /* u64 BE, see persist_next_order_id */
#define PERSIST_META_RUN           "run_counter"   /* u64 BE, see persist_run_begin */
#define PERSIST_META_KILL          "killed"        /* u64 BE: nonzero while killed */
#define PERSIST_META_VENUE_SEQ     "venue_seq"     /* u64 BE: the highest exec_report.venue_seq
                                                    * stored, raised in the same transaction
                                                    * as that report: a restart logs in to the
                                                    * venue session after it */

enum persist_sync {
	PERSIST_SYNC_FULL = 0, /* fsync data and meta page at every commit (default) */
	PERSIST_SYNC_DATA = 1, /* MDB_NOMETASYNC: a crash may lose the last commit */
	PERSIST_SYNC_NONE = 2, /* MDB_NOSYNC: the OS decides; a crash may lose recent commits */
};

struct persist_options {
	uint64_t mapsize;       /* bytes; 0: 1 GiB. The map LMDB starts with */
	uint64_t mapsize_max;   /* bytes; below mapsize: mapsize. When a writer batch finds the
	                         * map full, the map doubles up to this (no transaction of
	                         * this process open meanwhile), then the batch is written
	                         * again; beyond it the writer fails with -ENOSPC */
	enum persist_sync sync;
};

/* An order as stored: the ORDER_NEW as sent plus what reports said since. */
struct persist_order {
	struct order_msg order;
	uint32_t leaves_qty; /* from the latest report; order.qty before any */
	uint32_t cum_qty;
	uint8_t status;      /* 0: sent, no report yet; else the latest report's enum exec_kind */
	uint8_t pad_[7];
};
static_assert(sizeof(struct persist_order) == 80, "persist_order layout");

struct persist;

/* persist_errno - map an LMDB result (0, MDB_* or a positive errno) to 0 / -errno. */
int persist_errno(int mdb_rc);

/*
 * persist_open - open (creating if needed) the store in directory path with
 * default options (1 GiB map, PERSIST_SYNC_FULL). Returns 0 and *ret, or a
 * negative errno with a message in err: -ENOMEM, -ENOTDIR / -EACCES / ...
 * from mkdir or LMDB, -EPROTO if the files are not a compatible LMDB store,
 * -EIO if data.mdb is shorter than its meta page says (truncated: reading
 * on would fault) or a stored order or position fails its checksum (every
 * record of ours carries one; the journal's are checked as it is read:
 * persist_journal_read says -EIO), -EINVAL for a bad argument. LMDB's own
 * pages carry no checksum: damage there is LMDB's to find.
 */
int persist_open(const char *path, struct persist **ret, char *err, size_t errlen);
/* persist_open_opts - the same with options (opt NULL: defaults). */
int persist_open_opts(const char *path, const struct persist_options *opt, struct persist **ret,
		      char *err, size_t errlen);

/* persist_mapsize - the map's size now (it grows up to mapsize_max). Any thread. */
uint64_t persist_mapsize(const struct persist *p);

/* persist_close - close the store; accepts NULL; returns NULL. No writer may run. */
struct persist *persist_close(struct persist *p);

/*
 * persist_load_positions - copy every stored position into out (ascending
 * locate) and set *ret_n. 0, -ENOSPC if more than cap are stored (out
 * partly written, *ret_n untouched), or an LMDB error.
 */
int persist_load_positions(struct persist *p, struct position *out, unsigned cap,
			   unsigned *ret_n);

/*
 * persist_load_open_orders - copy every stored order whose latest status
 * leaves it open (no report yet, EXEC_ACK, or EXEC_FILL with leaves_qty > 0)
 * into out, ascending order_id, and set *ret_n. 0, -ENOSPC as above, or an
 * LMDB error.
 */
int persist_load_open_orders(struct persist *p, struct persist_order *out, unsigned cap,
			     unsigned *ret_n);

/* persist_get_order - one stored order: 0, -ENOENT, or an LMDB error. */
int persist_get_order(struct persist *p, uint64_t order_id, struct persist_order *ret);

/*
 * persist_next_order_id - one more than the highest order_id stored (1 if
 * none), or the PERSIST_META_NEXT_ORDER_ID meta value if that is higher
 * (ids handed out but never sent are not reused). 0 or an LMDB error.
 */
int persist_next_order_id(struct persist *p, uint64_t *ret);

/*
 * persist_journal_count - number of journal ("reports") records and the
 * next counter key. 0 or an LMDB error. ret_next may be NULL.
 */
int persist_journal_count(struct persist *p, uint64_t *ret_count, uint64_t *ret_next);

/*
 * persist_journal_read - copy up to cap journal records with key >= from
 * into out, in key order; *ret_n is how many were copied and *ret_next
 * (may be NULL) the key to continue from. 0 or an LMDB error.
 */
int persist_journal_read(struct persist *p, uint64_t from, struct persist_rec *out, unsigned cap,
			 unsigned *ret_n, uint64_t *ret_next);

/*
 * Meta values (small: kill state, counters). key: 1..64 bytes, no NUL
 * inside.
 * persist_set_meta: store v as 8 bytes big-endian, one durable transaction.
 *   0, -EINVAL (bad key), or an LMDB error.
 * persist_get_meta: 0 and *ret, -ENOENT if absent, -EPROTO if the stored
 *   value is not 8 bytes, or an LMDB error.
 * persist_set_meta_blob / persist_get_meta_blob: raw bytes, up to 4096. get
 *   copies into buf and sets *ret_len; -EMSGSIZE if cap is too small
 *   (*ret_len still set to the size needed).
 */
int persist_set_meta(struct persist *p, const char *key, uint64_t v);
int persist_get_meta(struct persist *p, const char *key, uint64_t *ret);
int persist_set_meta_blob(struct persist *p, const char *key, const void *val, size_t len);
int persist_get_meta_blob(struct persist *p, const char *key, void *buf, size_t cap,
			  size_t *ret_len);

/*
 * persist_run_begin - increment PERSIST_META_RUN (0 if absent) in one
 * transaction and return the new run number. 0 or an LMDB error.
 */
int persist_run_begin(struct persist *p, uint64_t *ret_run);

/* ------------------------------------------------------------------------- */
/* Writer stage. */

#define PERSIST_WRITER_MAX_INPUTS 8

struct persist_writer_cfg {
	struct persist *db;                 /* must outlive the writer; one writer per store */
	struct core_ring *const *in;        /* persist_rec rings, consumer side owned by the writer */
	unsigned nin;                       /* 1..PERSIST_WRITER_MAX_INPUTS */
	unsigned batch;                     /* records per transaction at most; 0: 4096 */
	struct core_hist_pair *hist;        /* per-transaction write+commit ns; NULL: none */
};

struct persist_writer_stats {
	uint64_t records;      /* records committed */
	uint64_t txns;         /* transactions committed */
	uint64_t orders;       /* ORDER_NEWs written to orders */
	uint64_t journal;      /* records appended to the journal */
	uint64_t positions;    /* position puts */
	uint64_t orphan_reports; /* reports for an order_id not in orders (journaled only) */
	uint64_t map_grows;      /* times a full map was doubled and the batch written again */
	uint64_t backlog;      /* records waiting at the last poll */
	uint64_t backlog_hwm;  /* highest backlog seen by a poll */
	int error;             /* 0, or the negative errno that stopped the writer */
	bool eof;
};

struct persist_writer;

/*
 * persist_writer_create - setup only. 0 and *ret, or -EINVAL (no store, no
 * or too many inputs, a ring that is not a persist_rec ring; err names it)
 * or -ENOMEM.
 */
int persist_writer_create(const struct persist_writer_cfg *cfg, struct persist_writer **ret,
			  char *err, size_t errlen);

/* persist_writer_destroy - accepts NULL; returns NULL. Does not close the store. */
struct persist_writer *persist_writer_destroy(struct persist_writer *w);

/*
 * persist_writer_poll - the core_stage poll function for the aux thread (ctx
 * is the writer). Writes what its inputs hold in one transaction of at most
 * `batch` records, commits, then releases those records from the rings.
 * Writes the number of records committed to *ret_work (1 for a batch of EOS
 * markers only; 0 when every input is empty: it never spins, the runner may
 * back off) and returns 0, CORE_EOF once PERSIST_EOS has come from every
 * input and the last batch is committed (and on every call after), or a
 * negative errno (persist_errno) if LMDB failed (a full map is first grown,
 * up to mapsize_max, and the batch written again): the batch was rolled back,
 * its records stay in the rings, the message is in persist_writer_error(),
 * and every later call returns the same error.
 */
int persist_writer_poll(void *ctx, uint32_t *ret_work);

/* persist_writer_stats - a snapshot (relaxed atomics: any thread, fields not mutually consistent). */
void persist_writer_stats(const struct persist_writer *w, struct persist_writer_stats *ret);

/* persist_writer_backlog_hwm - highest number of records a poll found waiting. Any thread. */
uint64_t persist_writer_backlog_hwm(const struct persist_writer *w);

/* persist_writer_error - the failure message ("" if none). The polling thread,
 * or any thread after it stopped; valid until destroy. */
const char *persist_writer_error(const struct persist_writer *w);

/* ------------------------------------------------------------------------- */
/*
 * Model registry. Every model the engine can run is stored with what it is and
 * where it came from; one of them may be marked active (the one the engine
 * starts with and osprey-ctl switches). The blob is the model file exactly as
 * written by the tool that trained it; the store does not interpret it, it
 * only checks that what it returns is what was put (length and FNV-1a hash).
 *
 * Threads and errors as for the meta functions above (any thread; writes are
 * their own LMDB transactions). Results: 0, or -EINVAL (bad name: 1..31 of
 * [A-Za-z0-9_.-]; NULL argument), -ENOENT (no such name/version, or nothing
 * active), -ENOSPC (cap too small, or the map is full), -EIO (a stored record
 * is malformed or its blob does not match its hash), -ENOMEM, or an LMDB
 * error as mapped above.
 */
#define PERSIST_MODEL_NAME_MAX 31

struct persist_model_meta {
	char name[PERSIST_MODEL_NAME_MAX + 1];
	uint32_t version;       /* assigned by persist_model_put: 1 + the highest stored */
	uint32_t active;        /* 1: the active model (at most one in the store) */
	char kind[16];          /* what the blob holds: "linear", "gbtree", "rf", "dqn", ... */
	uint64_t schema;        /* feature schema hash the model was built for */
	uint64_t data_from_ns;  /* training data range, event time (0: unknown) */
	uint64_t data_to_ns;
	uint64_t created_ns;    /* CLOCK_REALTIME when stored */
	uint64_t blob_len;
	uint64_t blob_hash;     /* FNV-1a 64 of the blob */
	char source[128];       /* where the blob came from (a path, a tool) */
	char metrics[256];      /* evaluation, free text ("auc 0.61 logloss 0.68 ...") */
};
static_assert(sizeof(struct persist_model_meta) == 488, "persist_model_meta layout");

/*
 * persist_model_put - store blob as the next version of meta->name. The caller
 * fills name, kind, schema, data range, source and metrics; version,
 * created_ns, blob_len, blob_hash and active (0) are set here and written
 * back into *meta. A new version is never active until activated.
 */
int persist_model_put(struct persist *p, struct persist_model_meta *meta, const void *blob,
		      size_t len);
/* persist_model_list - every stored model's meta, by name then version. */
int persist_model_list(struct persist *p, struct persist_model_meta *out, unsigned cap,
		       unsigned *ret_n);
/*
 * persist_model_get - name@version (version 0: the highest). On success
 * *ret_meta is filled and *ret_blob points to a malloc'd copy of the blob
 * (the caller frees it with free()), checked against its hash.
 */
int persist_model_get(struct persist *p, const char *name, uint32_t version,
		      struct persist_model_meta *ret_meta, void **ret_blob);
/* persist_model_activate - mark name@version active and every other model
 * inactive, in one transaction. */
int persist_model_activate(struct persist *p, const char *name, uint32_t version);
/* persist_model_active - the active model, as persist_model_get; -ENOENT if none. */
int persist_model_active(struct persist *p, struct persist_model_meta *ret_meta, void **ret_blob);

#endif /* OSPREY_PERSIST_H */
