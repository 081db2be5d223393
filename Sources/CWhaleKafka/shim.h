#ifndef CWHALE_KAFKA_SHIM_H
#define CWHALE_KAFKA_SHIM_H
// librdkafka, found through pkg-config `rdkafka` (Debian: librdkafka-dev).
#include <librdkafka/rdkafka.h>
#endif
