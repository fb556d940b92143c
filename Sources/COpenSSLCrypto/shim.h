// OpenSSL's libcrypto, for SHA-256 digests (the same library librdkafka's TLS links).
#include <openssl/sha.h>
