#ifndef CWHALE_SQLITE_SHIM_H
#define CWHALE_SQLITE_SHIM_H
// SQLite 3, found through pkg-config `sqlite3` (Debian: libsqlite3-dev).
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro over a cast that Swift cannot import.
static inline sqlite3_destructor_type cwhale_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}
#endif
