/* matmul.c - 160x160 double matrix multiply, 3 rounds: f64 loads, multiply-adds. */
#include "kernel.h"

#define MAT_N 160
#define MAT_ROUNDS 3

static double ma[MAT_N][MAT_N], mb[MAT_N][MAT_N], mc[MAT_N][MAT_N];

KERNEL_EXPORT("matmul_run") int32_t matmul_run(void)
{
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            ma[i][j] = (double)((i * 7 + j * 3) % 17) / 8.0;
            mb[i][j] = (double)((i * 5 + j * 11) % 13) / 4.0;
        }
    double sum = 0;
    for (int r = 0; r < MAT_ROUNDS; r++) {
        for (int i = 0; i < MAT_N; i++)
            for (int j = 0; j < MAT_N; j++) {
                double acc = 0;
                for (int k = 0; k < MAT_N; k++)
                    acc += ma[i][k] * mb[k][j];
                mc[i][j] = acc;
            }
        for (int i = 0; i < MAT_N; i++)
            sum += mc[i][i];
        ma[r][r] += 1.0; /* the rounds differ, so none can be skipped */
    }
    return (int32_t)sum;
}
