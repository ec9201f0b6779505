/*
 * Ed25519: RFC 8032 vectors, strict verification (ed25519-dalek verify_strict semantics),
 * key handling, manufacturer key ids and a cross-check against the openssl command line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "actr/crypto.h"
#include "crypto/ed25519.h"
#include "crypto/ed25519_point.h"
#include "unhex.h"

typedef struct rfc_vector {
    const char *seed, *pub, *msg, *sig;
} rfc_vector_t;

/* RFC 8032 §7.1: TEST 1, TEST 2, TEST 3 and TEST SHA(abc). */
static const rfc_vector_t rfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    {"833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
     "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
};

/* A decoded vector; msg is large enough for every message used here. */
typedef struct vec {
    uint8_t seed[32], pub[32], sig[64], msg[64];
    size_t msg_len;
} vec_t;

static void load(const rfc_vector_t *v, vec_t *out)
{
    test_unhex(v->seed, out->seed, 32);
    test_unhex(v->pub, out->pub, 32);
    test_unhex(v->sig, out->sig, 64);
    out->msg_len = test_unhex(v->msg, out->msg, sizeof out->msg);
}

static int verify(const uint8_t pub[32], const uint8_t *msg, size_t len, const uint8_t sig[64])
{
    return actr_ed25519_verify(pub, 32, msg, len, sig, 64);
}

static void test_rfc8032_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rfc8032 / sizeof rfc8032[0]; i++) {
        vec_t v;
        load(&rfc8032[i], &v);
        actr_signing_key_t *key = NULL;
        assert_int_equal(actr_signing_key_from_seed(v.seed, 32, &key), 0);
        uint8_t pub[32], sig[64];
        actr_signing_key_public(key, pub);
        assert_memory_equal(pub, v.pub, 32);
        assert_int_equal(actr_signing_key_sign(key, v.msg, v.msg_len, sig), 0);
        assert_memory_equal(sig, v.sig, 64);
        assert_int_equal(verify(v.pub, v.msg, v.msg_len, v.sig), 0);
        assert_int_equal(actr_ed25519_pubkey_valid(v.pub, 32), 0);
        actr_signing_key_free(key);
    }
}

static void test_empty_message_may_be_null(void **state)
{
    (void)state;
    vec_t v;
    load(&rfc8032[0], &v);
    assert_int_equal(verify(v.pub, NULL, 0, v.sig), 0);
    actr_signing_key_t *key = NULL;
    assert_int_equal(actr_signing_key_from_seed(v.seed, 32, &key), 0);
    uint8_t sig[64];
    assert_int_equal(actr_signing_key_sign(key, NULL, 0, sig), 0);
    assert_memory_equal(sig, v.sig, 64);
    assert_int_equal(actr_signing_key_sign(key, NULL, 1, sig), ACTR_EINVAL);
    actr_signing_key_free(key);
}

static void test_any_flipped_bit_fails(void **state)
{
    (void)state;
    vec_t v;
    load(&rfc8032[3], &v);
    /* Every bit of the message, the signature and the key in turn. */
    for (size_t bit = 0; bit < v.msg_len * 8; bit++) {
        v.msg[bit / 8] ^= (uint8_t)(1u << bit % 8);
        assert_int_equal(verify(v.pub, v.msg, v.msg_len, v.sig), ACTR_ESIGNATURE);
        v.msg[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
    for (size_t bit = 0; bit < 64 * 8; bit++) {
        v.sig[bit / 8] ^= (uint8_t)(1u << bit % 8);
        assert_int_equal(verify(v.pub, v.msg, v.msg_len, v.sig), ACTR_ESIGNATURE);
        v.sig[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
    for (size_t bit = 0; bit < 32 * 8; bit++) {
        v.pub[bit / 8] ^= (uint8_t)(1u << bit % 8);
        assert_int_equal(verify(v.pub, v.msg, v.msg_len, v.sig), ACTR_ESIGNATURE);
        v.pub[bit / 8] ^= (uint8_t)(1u << bit % 8);
    }
    assert_int_equal(verify(v.pub, v.msg, v.msg_len, v.sig), 0);
}

static void test_wrong_lengths(void **state)
{
    (void)state;
    vec_t v;
    load(&rfc8032[1], &v);
    assert_int_equal(actr_ed25519_verify(v.pub, 31, v.msg, 1, v.sig, 64), ACTR_EINVAL);
    assert_int_equal(actr_ed25519_verify(v.pub, 33, v.msg, 1, v.sig, 64), ACTR_EINVAL);
    assert_int_equal(actr_ed25519_verify(v.pub, 32, v.msg, 1, v.sig, 63), ACTR_EINVAL);
    assert_int_equal(actr_ed25519_verify(v.pub, 32, v.msg, 1, v.sig, 65), ACTR_EINVAL);
    assert_int_equal(actr_ed25519_verify(NULL, 32, v.msg, 1, v.sig, 64), ACTR_EINVAL);
    assert_int_equal(actr_ed25519_verify(v.pub, 32, NULL, 1, v.sig, 64), ACTR_EINVAL);
    assert_int_equal(actr_ed25519_verify(v.pub, 32, v.msg, 1, NULL, 64), ACTR_EINVAL);
    assert_int_equal(actr_ed25519_pubkey_valid(v.pub, 31), ACTR_EINVAL);
    actr_signing_key_t *key = (actr_signing_key_t *)&v; /* must be overwritten with NULL */
    assert_int_equal(actr_signing_key_from_seed(v.seed, 31, &key), ACTR_EINVAL);
    assert_null(key);
}

/* Encodings of small-order points: y in {0, 1, -1, +-y8} and the non-canonical y = p, p + 1. */
static const char *const small_order_hex[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

static void test_small_order_encodings_detected(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof small_order_hex / sizeof small_order_hex[0]; i++) {
        uint8_t p[32];
        test_unhex(small_order_hex[i], p, 32);
        assert_true(actr_ed25519_small_order(p));
        p[31] ^= 0x80; /* the other sign of x */
        assert_true(actr_ed25519_small_order(p));
    }
    vec_t v;
    load(&rfc8032[0], &v);
    assert_false(actr_ed25519_small_order(v.pub));
    assert_false(actr_ed25519_small_order(v.sig));
}

/*
 * S = 0 and R = identity verify under a small-order key A whenever [k]A is the identity, with
 * k = SHA-512(R || A || M) mod L. The messages were searched for (k = 0 mod 4) with a Python
 * script when this test was written. OpenSSL alone accepts them; strict verification must not:
 * this is why the reference's all-zero dev_only key accepts no package.
 */
static void test_small_order_key_forgeries_rejected(void **state)
{
    (void)state;
    static const struct {
        const char *pub, *msg;
    } forgeries[] = {
        {"0000000000000000000000000000000000000000000000000000000000000000", "dev-only package 12"},
        {"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "dev-only package 4"},
        /* The identity key: [k]A is the identity for every message. */
        {"0100000000000000000000000000000000000000000000000000000000000000", "any message"},
    };
    uint8_t sig[64] = {0x01}; /* R = identity (y = 1), S = 0 */
    for (size_t i = 0; i < sizeof forgeries / sizeof forgeries[0]; i++) {
        uint8_t pub[32];
        test_unhex(forgeries[i].pub, pub, 32);
        size_t len = strlen(forgeries[i].msg);
        assert_int_equal(actr_ed25519_verify_openssl(pub, forgeries[i].msg, len, sig), 0);
        assert_int_equal(verify(pub, (const uint8_t *)forgeries[i].msg, len, sig), ACTR_ESIGNATURE);
    }
}

/*
 * The 12 edge-case vectors of "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko, 2020;
 * ed25519-speccheck). Published results: ed25519-dalek verify_strict accepts only #3; OpenSSL
 * 3.0 accepts #0-#3 and #11. We must match dalek strict.
 */
static const struct {
    const char *msg, *pub, *sig;
    int openssl_accepts;
} speccheck[] = {
    {"8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6",
     "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
     "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"
     "0000000000000000000000000000000000000000000000000000000000000000",
     1},
    {"9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
     "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
     "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43"
     "a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
     1},
    {"aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab",
     "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
     "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"
     "8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e",
     1},
    {"9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
     "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
     "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f"
     "87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009",
     1},
    {"e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
     "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
     "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed512"
     "5ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09",
     0},
    {"e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
     "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
     "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7"
     "e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405",
     0},
    {"85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
     "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
     "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e"
     "547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514",
     0},
    {"85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
     "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
     "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa1942"
     "7e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22",
     0},
    {"9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
     "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
     "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
     "03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f",
     0},
    {"9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
     "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
     "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
     "ca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908",
     0},
    {"e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b",
     "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dc"
     "a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
     0},
    {"39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f",
     "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dc"
     "a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
     1},
};

static void test_speccheck_edge_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof speccheck / sizeof speccheck[0]; i++) {
        uint8_t msg[32], pub[32], sig[64];
        test_unhex(speccheck[i].msg, msg, 32);
        test_unhex(speccheck[i].pub, pub, 32);
        test_unhex(speccheck[i].sig, sig, 64);
        int expect_openssl = speccheck[i].openssl_accepts ? 0 : ACTR_ESIGNATURE;
        int expect_strict = i == 3 ? 0 : ACTR_ESIGNATURE;
        print_message("speccheck #%zu\n", i);
        assert_int_equal(actr_ed25519_verify_openssl(pub, msg, 32, sig), expect_openssl);
        assert_int_equal(verify(pub, msg, 32, sig), expect_strict);
    }
}

/* Adds L to the S half of a signature: the same scalar mod L, but not canonical. */
static void add_group_order(uint8_t s[32])
{
    static const char order_hex[] =
        "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
    uint8_t l[32];
    test_unhex(order_hex, l, 32);
    unsigned carry = 0;
    for (int i = 0; i < 32; i++) {
        unsigned sum = s[i] + l[i] + carry;
        s[i] = (uint8_t)sum;
        carry = sum >> 8;
    }
}

static void test_non_canonical_s_rejected(void **state)
{
    (void)state;
    vec_t v;
    load(&rfc8032[2], &v);
    assert_true(actr_ed25519_scalar_canonical(v.sig + 32));
    add_group_order(v.sig + 32);
    assert_false(actr_ed25519_scalar_canonical(v.sig + 32));
    assert_int_equal(verify(v.pub, v.msg, v.msg_len, v.sig), ACTR_ESIGNATURE);
    /* OpenSSL checks S < L itself as well; both layers agree. */
    assert_int_equal(actr_ed25519_verify_openssl(v.pub, v.msg, v.msg_len, v.sig), ACTR_ESIGNATURE);
    /* Boundaries: L - 1 is canonical, L is not. */
    uint8_t s[32] = {0};
    add_group_order(s);
    assert_false(actr_ed25519_scalar_canonical(s));
    s[0]--;
    assert_true(actr_ed25519_scalar_canonical(s));
}

static void test_canonical_y_boundaries(void **state)
{
    (void)state;
    uint8_t p[32];
    test_unhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", p, 32);
    assert_true(actr_ed25519_y_canonical(p)); /* p - 1 */
    p[0] = 0xed;
    assert_false(actr_ed25519_y_canonical(p)); /* p */
    p[31] |= 0x80;
    assert_false(actr_ed25519_y_canonical(p)); /* the sign bit does not matter */
    memset(p, 0xff, 32);
    assert_false(actr_ed25519_y_canonical(p)); /* 2^255 - 1 */
    p[17] = 0xfe;
    assert_true(actr_ed25519_y_canonical(p));
}

static void test_pubkey_valid(void **state)
{
    (void)state;
    uint8_t p[32] = {0};
    /* Small-order keys decode (the reference's dev_only key is all zero) ... */
    assert_int_equal(actr_ed25519_pubkey_valid(p, 32), 0);
    /* ... but y = 2 is not on the curve, */
    p[0] = 2;
    assert_int_equal(actr_ed25519_pubkey_valid(p, 32), ACTR_EPARSE);
    /* y = 3 is, yet p + 3 encodes it non-canonically, */
    p[0] = 3;
    assert_int_equal(actr_ed25519_pubkey_valid(p, 32), 0);
    test_unhex("f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", p, 32);
    assert_int_equal(actr_ed25519_pubkey_valid(p, 32), ACTR_EPARSE);
    /* and x = 0 must not carry a sign bit. */
    test_unhex("0100000000000000000000000000000000000000000000000000000000000080", p, 32);
    assert_int_equal(actr_ed25519_pubkey_valid(p, 32), ACTR_EPARSE);
    p[31] = 0;
    assert_int_equal(actr_ed25519_pubkey_valid(p, 32), 0);
}

static void test_generated_keys_sign_and_verify(void **state)
{
    (void)state;
    actr_signing_key_t *a = NULL, *b = NULL;
    assert_int_equal(actr_signing_key_generate(&a), 0);
    assert_int_equal(actr_signing_key_generate(&b), 0);
    uint8_t pa[32], pb[32], sig[64];
    actr_signing_key_public(a, pa);
    actr_signing_key_public(b, pb);
    assert_memory_not_equal(pa, pb, 32);
    static const char msg[] = "manifest.toml bytes";
    assert_int_equal(actr_signing_key_sign(a, msg, sizeof msg - 1, sig), 0);
    assert_int_equal(verify(pa, (const uint8_t *)msg, sizeof msg - 1, sig), 0);
    assert_int_equal(verify(pb, (const uint8_t *)msg, sizeof msg - 1, sig), ACTR_ESIGNATURE);
    actr_signing_key_free(a);
    actr_signing_key_free(b);
    actr_signing_key_free(NULL);
}

static void test_mfr_key_id(void **state)
{
    (void)state;
    /* Expected: `xxd -r -p <<< d75a... | openssl dgst -sha256`, first 16 hex digits. */
    uint8_t pub[32];
    test_unhex(rfc8032[0].pub, pub, 32);
    char id[ACTR_MFR_KEY_ID_SIZE];
    assert_int_equal(actr_mfr_key_id(pub, id), 0);
    assert_string_equal(id, "mfr-21fe31dfa154a261");
    assert_int_equal(strlen(id), ACTR_MFR_KEY_ID_SIZE - 1);
}

/*
 * Cross-check with an implementation nobody here wrote. The key is the PKCS#8 DER
 * 302e020100300506032b657004220420 || seed (seed = 00 01 .. 1f); the values below were printed
 * at test-writing time by:
 *   openssl pkey -inform DER -in key.der -out key.pem
 *   openssl pkey -in key.pem -pubout -outform DER | tail -c 32 | xxd -p -c 64
 *   openssl pkeyutl -sign -rawin -inkey key.pem -in payload.txt | xxd -p -c 64
 * with payload.txt holding the registration-proof payload below (no trailing newline).
 */
static void test_openssl_cli_signature(void **state)
{
    (void)state;
    static const char payload[] =
        "ACTR-MANUFACTURER-REGISTER-V1\n"
        "auth_mode=package\n"
        "realm=101\n"
        "actr_type=acme:echo:1.0.0\n"
        "target=wasm32-wasip1\n"
        "manifest_sha256=2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\n"
        "manufacturer_auth_signed_at=1700000000\n"
        "manufacturer_auth_nonce=000102030405060708090a0b0c0d0e0f";
    uint8_t seed[32], want_pub[32], want_sig[64], pub[32], sig[64];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    test_unhex("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8", want_pub, 32);
    test_unhex("6295839ea5ed53974d688d2c910bd82f8be0321adf124b797684cbee90f26f5a"
               "0b2309ad265defa29ac43b3b9356c4fb6badb63b65862e636ed0f15e6bfbd20d",
               want_sig, 64);
    actr_signing_key_t *key = NULL;
    assert_int_equal(actr_signing_key_from_seed(seed, 32, &key), 0);
    actr_signing_key_public(key, pub);
    assert_memory_equal(pub, want_pub, 32);
    assert_int_equal(sizeof payload - 1, 281); /* wc -c payload.txt */
    assert_int_equal(actr_signing_key_sign(key, payload, sizeof payload - 1, sig), 0);
    assert_memory_equal(sig, want_sig, 64);
    assert_int_equal(verify(pub, (const uint8_t *)payload, sizeof payload - 1, sig), 0);
    actr_signing_key_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032_vectors),
        cmocka_unit_test(test_empty_message_may_be_null),
        cmocka_unit_test(test_any_flipped_bit_fails),
        cmocka_unit_test(test_wrong_lengths),
        cmocka_unit_test(test_small_order_encodings_detected),
        cmocka_unit_test(test_small_order_key_forgeries_rejected),
        cmocka_unit_test(test_speccheck_edge_cases),
        cmocka_unit_test(test_non_canonical_s_rejected),
        cmocka_unit_test(test_canonical_y_boundaries),
        cmocka_unit_test(test_pubkey_valid),
        cmocka_unit_test(test_generated_keys_sign_and_verify),
        cmocka_unit_test(test_mfr_key_id),
        cmocka_unit_test(test_openssl_cli_signature),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
