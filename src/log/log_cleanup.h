// Expired log cleanup (PROTOCOL.md "Metadata Cleanup"; delta.logRetentionDuration,
// delta.enableExpiredLogCleanup).
//
// Commit, checkpoint and checksum files older than the retention may go, but only below the
// newest complete checkpoint that is itself older than the retention: every version still
// inside the retention window stays reconstructable. Pure: a listing in, files to delete out.
#pragma once

#include <cstdint>
#include <vector>

#include "log/log_segment.h"

namespace delta::log {

/// The files of `listing` (with modification times) that expired at `now_ms`.
std::vector<LogFile> ExpiredLogFiles(const std::vector<LogFile>& listing, int64_t now_ms,
                                     int64_t retention_ms);

}  // namespace delta::log
