/* A bot's native proof-of-work solver for bench/line_siege.py: OpenSSL's SHA-256 on one
 * core, as an attacker would run it (docs/benchmarks.md, "Line siege"). Reads lines
 * "<salt> <challenge hex> <maxnumber>" on stdin and answers each with the number (or -1)
 * and the hashes it tried. Build: cc -O2 -o native_solver native_solver.c -lcrypto */
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    char salt[512], want[65];
    unsigned char target[SHA256_DIGEST_LENGTH];
    long max;
    while (scanf("%511s %64s %ld", salt, want, &max) == 3) {
        size_t len = strlen(salt);
        char buf[600];
        unsigned char digest[SHA256_DIGEST_LENGTH];
        long found = -1, n;
        memcpy(buf, salt, len);
        for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) sscanf(want + 2 * i, "%2hhx", &target[i]);
        for (n = 0; n <= max; n++) {
            int k = snprintf(buf + len, sizeof buf - len, "%ld", n);
            SHA256((unsigned char *)buf, len + k, digest);
            if (memcmp(digest, target, SHA256_DIGEST_LENGTH) == 0) { found = n; break; }
        }
        printf("%ld %ld\n", found, found < 0 ? max + 1 : n + 1);
        fflush(stdout);
    }
    return 0;
}
