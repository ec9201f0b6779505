/*
 * hex.h - lowercase hexadecimal, as the protocol writes hashes, nonces and serials.
 */
#ifndef ACTR_BASE_HEX_H
#define ACTR_BASE_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Value of one hex digit (either case), or -1 for any other character. */
int actr_hex_digit_value(int c);

/* Writes 2*len lowercase hex digits and a NUL to out (which holds 2*len+1 bytes). */
void actr_hex_encode(const uint8_t *in, size_t len, char *out);

/*
 * Decodes len hex digits (either case) into out. Odd length or a non-hex character gives
 * ACTR_EPARSE; more than out_cap bytes of output gives ACTR_ERANGE. *out_len gets the count.
 */
int actr_hex_decode(const char *in, size_t len, uint8_t *out, size_t out_cap, size_t *out_len);

#endif /* ACTR_BASE_HEX_H */
