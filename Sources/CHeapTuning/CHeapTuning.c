// glibc's mallopt is declared in <malloc.h>, which Swift's Glibc module does not include.
#include "CHeapTuning.h"
#include <limits.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int mmsim_keep_heap_top(int top_pad) {
#if defined(__GLIBC__)
    return mallopt(M_TRIM_THRESHOLD, INT_MAX) && mallopt(M_TOP_PAD, top_pad);
#else
    (void)top_pad;
    return 0;
#endif
}
