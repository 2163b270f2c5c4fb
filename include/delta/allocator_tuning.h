// Process-level allocator choice for executables built on deltacpp (deltactl, delta_bench).
//
// Writing and rewriting Parquet allocates and frees large column buffers all the time, and how
// the allocator hands freed pages back to the OS decides both speed (every page given back is
// faulted in and zeroed again) and peak RSS. Measured on 10M-row tables (2 cores):
//  - mimalloc, the pyarrow build's default, purges freed pages after 10 ms: writing 10M rows
//    took 53k page faults and 1.8 s of kernel time. Its options are read when the library
//    loads, so changing them meant re-executing the program (~20 ms per command).
//  - jemalloc (also in the pyarrow build) reads its options at its first allocation, so they
//    can be set from main(). With Arrow's default decay (1 s, background purging) a MERGE that
//    rewrites 10M rows ran in 1.01 s / 241 MB (mimalloc with a 10 ms purge: 1.43 s / 263 MB;
//    never purging: 1.44 s / 355 MB); with purging off, writing 10M rows took 0.96 s / 284 MB
//    (mimalloc never purging: 1.04 s / 405 MB) and `cat --format parquet` 1.02 s (1.36 s with
//    the default decay). Arrow's jemalloc reads its options (JE_ARROW_MALLOC_CONF) when the
//    library loads, and arrow::jemalloc_set_decay_ms only reaches arenas created later (it did
//    not change `cat`), so commands that want purging off re-execute once with it set.
//
// Libraries must not do this: only executables call it, first thing in main(), before any
// Arrow allocation. A user's own ARROW_DEFAULT_MEMORY_POOL / JE_ARROW_MALLOC_CONF /
// MIMALLOC_PURGE_DELAY is respected.
#pragma once

namespace delta {

/// How a command uses memory.
enum class AllocatorUse {
  kLight,             ///< little data (info, history, create, ...): no tuning that costs time
  kKeepFreedPages,    ///< writes or reads much data (write, cat, optimize, ...): never purge
  kReturnFreedPages,  ///< reads while it writes (MERGE, UPDATE, DELETE): purge in the background
};

/// Chooses Arrow's default memory pool for this process: jemalloc when the Arrow build has it,
/// with Arrow's default decay (1 s, background purging) or, for kKeepFreedPages, purging off
/// (jemalloc reads that option when the library loads, so the program re-executes itself with
/// JE_ARROW_MALLOC_CONF set: ~20 ms). Without jemalloc and with mimalloc as the default, sets
/// MIMALLOC_PURGE_DELAY (never for kKeepFreedPages, 10 ms for kReturnFreedPages) the same way.
/// Does not return when it re-executes; on any failure the program runs untuned.
void TuneAllocator(char** argv, AllocatorUse use);

}  // namespace delta
