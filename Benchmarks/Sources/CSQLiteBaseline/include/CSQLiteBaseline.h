#ifndef CSQLITE_BASELINE_H
#define CSQLITE_BASELINE_H
// The plain C/SQLite loop the L3 tier is measured against (issue 4): the same
// file layout (a database whose schema SQLiteCacheTier created), the same
// statements, WAL and synchronous=NORMAL, statements prepared once.
#include <stdint.h>

typedef struct csqlite_baseline csqlite_baseline;

/// Opens `path`, an L3 database (schema created by SQLiteCacheTier), as the
/// tier opens its connections, and prepares the tier's upsert and point
/// read. NULL when it cannot.
csqlite_baseline *csqlite_baseline_open(const char *path);

/// One transaction of `count` upserts of keys "<prefix><first + i>", each
/// with the `length` bytes at `value`, expiring at `expires_at_ms` and
/// accessed at `now_ms`. Returns SQLITE_OK (0) or the failing result code.
int csqlite_baseline_insert_batch(
    csqlite_baseline *baseline, const char *prefix, int64_t first, int32_t count,
    const uint8_t *value, int32_t length, int64_t expires_at_ms, int64_t now_ms);

/// Reads key "<prefix><index>" as the tier does (absent when expired at
/// `now_ms`) and copies the value into `buffer`. Returns its length, -1 when
/// absent, -2 on an error, -3 when `capacity` is too small.
int32_t csqlite_baseline_point_read(
    csqlite_baseline *baseline, const char *prefix, int64_t index, int64_t now_ms,
    uint8_t *buffer, int32_t capacity);

/// Finalises the statements and closes the connection.
void csqlite_baseline_close(csqlite_baseline *baseline);

#endif
