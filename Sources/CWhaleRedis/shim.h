#ifndef CWHALE_REDIS_SHIM_H
#define CWHALE_REDIS_SHIM_H
// hiredis, found through pkg-config `hiredis` (Debian: libhiredis-dev).
#include <hiredis/hiredis.h>
#endif
