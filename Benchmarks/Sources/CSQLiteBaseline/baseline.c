#include "CSQLiteBaseline.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct csqlite_baseline {
    sqlite3 *db;
    sqlite3_stmt *begin;
    sqlite3_stmt *commit;
    sqlite3_stmt *upsert;
    sqlite3_stmt *read;
};

// Verbatim copies of SQLiteTierConnection's statements.
static const char *upsert_sql =
    "INSERT INTO whale_cache_entries (key, value, expires_at, last_access, size, tagged)\n"
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)\n"
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,\n"
    "    last_access = excluded.last_access, size = excluded.size, tagged = excluded.tagged";
static const char *read_sql = "SELECT value, expires_at, last_access FROM whale_cache_entries WHERE key = ?1";

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **statement) {
    return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, statement, NULL);
}

csqlite_baseline *csqlite_baseline_open(const char *path) {
    csqlite_baseline *baseline = calloc(1, sizeof *baseline);
    if (baseline == NULL) return NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &baseline->db, flags, NULL) != SQLITE_OK
        || sqlite3_exec(baseline->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK
        || prepare(baseline->db, "BEGIN IMMEDIATE", &baseline->begin) != SQLITE_OK
        || prepare(baseline->db, "COMMIT", &baseline->commit) != SQLITE_OK
        || prepare(baseline->db, upsert_sql, &baseline->upsert) != SQLITE_OK
        || prepare(baseline->db, read_sql, &baseline->read) != SQLITE_OK) {
        csqlite_baseline_close(baseline);
        return NULL;
    }
    return baseline;
}

static int run(sqlite3_stmt *statement) {
    int status = sqlite3_step(statement);
    sqlite3_reset(statement);
    return status == SQLITE_DONE ? SQLITE_OK : status;
}

int csqlite_baseline_insert_batch(
    csqlite_baseline *baseline, const char *prefix, int64_t first, int32_t count,
    const uint8_t *value, int32_t length, int64_t expires_at_ms, int64_t now_ms) {
    int status = run(baseline->begin);
    if (status != SQLITE_OK) return status;
    char key[256];
    for (int32_t i = 0; i < count; i++) {
        int key_length = snprintf(key, sizeof key, "%s%lld", prefix, (long long)(first + i));
        sqlite3_stmt *upsert = baseline->upsert;
        sqlite3_bind_text(upsert, 1, key, key_length, SQLITE_TRANSIENT);
        sqlite3_bind_blob(upsert, 2, value, length, SQLITE_STATIC);
        sqlite3_bind_int64(upsert, 3, expires_at_ms);
        sqlite3_bind_int64(upsert, 4, now_ms);
        sqlite3_bind_int64(upsert, 5, key_length + length);
        sqlite3_bind_int64(upsert, 6, 0);
        status = run(upsert);
        if (status != SQLITE_OK) {
            sqlite3_exec(baseline->db, "ROLLBACK", NULL, NULL, NULL);
            return status;
        }
    }
    return run(baseline->commit);
}

int32_t csqlite_baseline_point_read(
    csqlite_baseline *baseline, const char *prefix, int64_t index, int64_t now_ms,
    uint8_t *buffer, int32_t capacity) {
    char key[256];
    int key_length = snprintf(key, sizeof key, "%s%lld", prefix, (long long)index);
    sqlite3_stmt *read = baseline->read;
    sqlite3_bind_text(read, 1, key, key_length, SQLITE_TRANSIENT);
    int32_t result;
    switch (sqlite3_step(read)) {
    case SQLITE_ROW:
        if (sqlite3_column_type(read, 1) != SQLITE_NULL && sqlite3_column_int64(read, 1) <= now_ms) {
            result = -1;
        } else {
            int32_t length = sqlite3_column_bytes(read, 0);
            if (length > capacity) {
                result = -3;
            } else {
                memcpy(buffer, sqlite3_column_blob(read, 0), (size_t)length);
                result = length;
            }
        }
        break;
    case SQLITE_DONE:
        result = -1;
        break;
    default:
        result = -2;
    }
    sqlite3_reset(read);
    return result;
}

void csqlite_baseline_close(csqlite_baseline *baseline) {
    if (baseline == NULL) return;
    sqlite3_finalize(baseline->begin);
    sqlite3_finalize(baseline->commit);
    sqlite3_finalize(baseline->upsert);
    sqlite3_finalize(baseline->read);
    sqlite3_close_v2(baseline->db);
    free(baseline);
}
