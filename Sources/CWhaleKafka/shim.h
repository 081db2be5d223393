#ifndef CWHALE_KAFKA_SHIM_H
#define CWHALE_KAFKA_SHIM_H
// librdkafka, found through pkg-config `rdkafka` (Debian: librdkafka-dev).
#include <librdkafka/rdkafka.h>
// The in-process mock cluster (KafkaMockCluster): brokers, leaders and injected
// request errors for fault tests that need no external broker.
#include <librdkafka/rdkafka_mock.h>
#endif
