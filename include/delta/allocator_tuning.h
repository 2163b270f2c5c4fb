// Process-level allocator choice for executables built on deltacpp (deltactl, delta_bench).
//
// Reading and writing Parquet allocate and free large column buffers all the time, and how the
// allocator hands freed pages back to the OS decides both speed (every page given back is
// faulted in and zeroed again) and peak RSS. The pyarrow build has mimalloc (its default) and
// jemalloc. Measured on 10M-row tables (2 cores):
//  - Writing: mimalloc never purging (MIMALLOC_PURGE_DELAY=-1) is the best overall; its default
//    purge took 53k page faults and 1.8 s of kernel time for 10M rows. jemalloc never purging
//    was faster unpartitioned (0.60 vs 0.69 s) but slower and larger partitioned by 16 values
//    (0.85 s / 1.55 GB vs 0.76 s / 1.19 GB). mimalloc reads its options when the library
//    loads, so setting it means re-executing the program once (~20 ms).
//  - MERGE / UPDATE / DELETE read while they write: jemalloc with Arrow's default decay (1 s,
//    purging in a background thread) was best — a MERGE rewriting 10M rows 1.01 s / 241 MB vs
//    mimalloc with a 10 ms purge 1.43 s / 263 MB and never purging 1.44 s / 355 MB; DELETE of
//    1% with deletion vectors 0.14 vs 0.17 s — and Arrow reads ARROW_DEFAULT_MEMORY_POOL at the
//    pool's first use, so choosing it needs no re-execution.
//
// Libraries must not do this: only executables call it, first thing in main(), before any
// Arrow allocation. A user's own ARROW_DEFAULT_MEMORY_POOL / MIMALLOC_PURGE_DELAY is respected.
#pragma once

namespace delta {

/// How a command uses memory.
enum class AllocatorUse {
  kLight,             ///< little data (info, history, create, ...): left as is
  kKeepFreedPages,    ///< writes or reads much data (write, cat, optimize, ...)
  kReturnFreedPages,  ///< reads while it writes (MERGE, UPDATE, DELETE)
};

/// kKeepFreedPages: with mimalloc as the default pool, sets MIMALLOC_PURGE_DELAY=-1 and
/// re-executes the program with the same arguments (does not return then).
/// kReturnFreedPages: makes jemalloc the default pool when the Arrow build has it (no
/// re-execution); otherwise mimalloc with a 10 ms purge, as above. kLight: nothing.
/// On any failure the program runs untuned.
void TuneAllocator(char** argv, AllocatorUse use);

}  // namespace delta
