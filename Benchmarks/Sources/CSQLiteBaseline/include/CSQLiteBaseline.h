#ifndef CSQLITE_BASELINE_H
#define CSQLITE_BASELINE_H
// The plain C/SQLite loop the L3 tier is measured against (issue 4).
#endif
