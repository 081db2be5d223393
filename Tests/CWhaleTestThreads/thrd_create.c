// Test support for ThreadSanitizer runs: thrd_create, thrd_join and thrd_detach.
//
// librdkafka starts its threads with C11 `thrd_create`. glibc implements it
// without going through the `pthread_create` symbol, and the ThreadSanitizer
// runtime of this toolchain does not intercept `thrd_create`, so librdkafka's
// threads run without TSan state and crash inside the TSan runtime
// (see librdkafka issues #4929 and #5418). Defining `thrd_create` in the test
// binary routes those threads through `pthread_create`, which TSan intercepts.
// The behaviour is the same as glibc's: a thrd_t is a pthread_t, and the start
// function's int result travels through the void* result (thrd_join reads it
// back the same way).
#define _GNU_SOURCE
#include "CWhaleTestThreads.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

static atomic_int interposed_calls;

struct start {
    thrd_start_t function;
    void *argument;
};

static void *trampoline(void *raw) {
    struct start start = *(struct start *)raw;
    free(raw);
    return (void *)(intptr_t)start.function(start.argument);
}

__attribute__((visibility("default"))) int thrd_create(thrd_t *thread, thrd_start_t function, void *argument) {
    struct start *start = malloc(sizeof *start);
    if (start == NULL) return thrd_nomem;
    start->function = function;
    start->argument = argument;
    atomic_fetch_add(&interposed_calls, 1);
    int status = pthread_create((pthread_t *)thread, NULL, trampoline, start);
    if (status != 0) {
        free(start);
        return thrd_error;
    }
    return thrd_success;
}

int cwhale_test_threads_interposed(void) {
    return atomic_load(&interposed_calls) > 0;
}

// Joining and detaching must go through pthread too, or TSan keeps the
// finished thread registered and trips when its pthread_t is reused.
__attribute__((visibility("default"))) int thrd_join(thrd_t thread, int *result) {
    void *value = NULL;
    if (pthread_join((pthread_t)thread, &value) != 0) return thrd_error;
    if (result != NULL) *result = (int)(intptr_t)value;
    return thrd_success;
}

__attribute__((visibility("default"))) int thrd_detach(thrd_t thread) {
    return pthread_detach((pthread_t)thread) == 0 ? thrd_success : thrd_error;
}
