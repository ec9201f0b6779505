/*
 * common.h - symbol visibility and small shared definitions of the public API.
 *
 * Every public function is declared with ACTR_API. libactr is built with -fvisibility=hidden,
 * so only those symbols are exported from the shared library.
 */
#ifndef ACTR_COMMON_H
#define ACTR_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(ACTR_BUILDING_LIBRARY) && defined(__GNUC__)
#define ACTR_API __attribute__((visibility("default")))
#else
#define ACTR_API
#endif

#if defined(__GNUC__)
#define ACTR_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#define ACTR_NODISCARD __attribute__((warn_unused_result))
#else
#define ACTR_PRINTF(fmt_index, first_arg)
#define ACTR_NODISCARD
#endif

#ifdef __cplusplus
#define ACTR_BEGIN_DECLS extern "C" {
#define ACTR_END_DECLS }
#else
#define ACTR_BEGIN_DECLS
#define ACTR_END_DECLS
#endif

#endif /* ACTR_COMMON_H */
