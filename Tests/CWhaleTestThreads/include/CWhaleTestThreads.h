#ifndef CWHALE_TEST_THREADS_H
#define CWHALE_TEST_THREADS_H
// Test support: routes C11 thrd_create through pthread_create (see the .c file).
// Returns 1 when librdkafka's threads go through the interposer.
int cwhale_test_threads_interposed(void);
#endif
