// Process-level allocator tuning for executables built on deltacpp (deltactl, delta_bench).
//
// Arrow's default memory pool in the pyarrow build is mimalloc, which hands freed pages back to
// the OS 10 ms after they fall idle (madvise DONTNEED). Writing Parquet allocates and frees
// large column buffers continuously, so the same memory is returned and faulted in again, and
// each fault on a huge-page region zeroes 2 MB: writing 10M rows took 53k page faults and 1.8 s
// of kernel time. Disabling the purge (MIMALLOC_PURGE_DELAY=-1) cuts that to 2.7k faults and
// 0.5 s. mimalloc reads its options when the library loads, before main() runs, so the only
// way for an executable to set it is to re-execute itself with the variable set.
//
// Libraries must not do this: only executables call it, first thing in main(). A user's own
// setting of the variable is respected.
#pragma once

namespace delta {

/// If the default Arrow pool is mimalloc and MIMALLOC_PURGE_DELAY is unset, sets it to
/// `purge_delay` (milliseconds; "-1": never purge) and re-executes the running program with the
/// same arguments (does not return on success). On any failure it returns and the program runs
/// untuned. Operations that read while they write (MERGE, UPDATE, DELETE) pass "10": freed
/// pages go back quickly and peak memory stays low (a 10M-row MERGE: 311 MB instead of 481 MB;
/// the pyarrow build's own default keeps them much longer, 439 MB).
void TuneAllocatorOrReexec(char** argv, const char* purge_delay = "-1");

}  // namespace delta
