#ifndef CWHALE_OPENSSL_SHIM_H
#define CWHALE_OPENSSL_SHIM_H
// OpenSSL 3 libcrypto, found through pkg-config `openssl` (Debian: libssl-dev).
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/rand.h>
#endif
