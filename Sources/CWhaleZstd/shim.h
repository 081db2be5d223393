#ifndef CWHALE_ZSTD_SHIM_H
#define CWHALE_ZSTD_SHIM_H
// zstd, found through pkg-config `libzstd` (Debian: libzstd-dev).
#include <zstd.h>
#endif
