// Allocator tuning for the mmsim command (see keepHeapTop in Sources/mmsim/MMSim.swift).
#ifndef CHEAPTUNING_H
#define CHEAPTUNING_H

/// Keeps freed memory at the top of glibc's heap instead of returning it with brk, and
/// grows the heap `top_pad` bytes at a time. Returns 0 where the C library has no mallopt.
int mmsim_keep_heap_top(int top_pad);

#endif
