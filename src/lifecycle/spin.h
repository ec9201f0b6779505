/* spin.h - a CPU hint for busy-wait loops (lets the sibling hyperthread run, saves power). */
#ifndef ACTR_LIFECYCLE_SPIN_H
#define ACTR_LIFECYCLE_SPIN_H

static inline void actr_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause");
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif /* ACTR_LIFECYCLE_SPIN_H */
