#include "storage/table_location.h"

#include <arrow/filesystem/localfs.h>
#include <arrow/filesystem/path_util.h>
#include <filesystem>
#include <mutex>

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>

#include "delta/error.h"

namespace delta::storage {

std::string TableLocation::LogDir() const { return root + "/" + log::kLogDirName; }

std::string UriDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int h = hex(s[i + 1]), l = hex(s[i + 2]);
      if (h >= 0 && l >= 0) {
        out.push_back(static_cast<char>(h * 16 + l));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

arrow::Result<std::string> TableLocation::ResolveDataPath(const std::string& log_path) const {
  auto scheme_end = log_path.find("://");
  if (scheme_end != std::string::npos && scheme_end < 16) {
    // Absolute URI: must be on this filesystem.
    ARROW_ASSIGN_OR_RAISE(std::string p, fs->PathFromUri(log_path));
    return p;
  }
  std::string decoded = UriDecode(log_path);
  if (!decoded.empty() && decoded[0] == '/') return decoded;
  return root + "/" + decoded;
}

namespace {

// Filesystems Arrow builds as loadable modules (S3 in the pyarrow wheel) register their URI
// scheme when loaded. A failure leaves the scheme unknown, which the caller reports.
void LoadFileSystemModules() {
  static std::once_flag once;
  std::call_once(once, [] {
#ifdef DELTA_ARROW_S3_MODULE
    (void)arrow::fs::LoadFileSystemFactories(DELTA_ARROW_S3_MODULE);
#endif
  });
}

}  // namespace

arrow::Result<TableLocation> ResolveTableLocation(const std::string& uri_or_path) {
  TableLocation loc;
  loc.uri = uri_or_path;
  std::string path;
  std::string target = uri_or_path;
  // Spark and Hadoop name S3 "s3a://"; Arrow knows it as "s3://".
  if (target.rfind("s3a://", 0) == 0) target = "s3://" + target.substr(6);
  if (target.rfind("s3://", 0) == 0) LoadFileSystemModules();
  if (target.find("://") == std::string::npos && !target.empty() && target[0] != '/') {
    target = std::filesystem::absolute(target).lexically_normal().string();  // relative local path
  }
  auto fs_result = arrow::fs::FileSystemFromUriOrPath(target, &path);
  if (!fs_result.ok()) {
    return DELTA_ERROR(kInvalidArgument, "cannot resolve table location '", uri_or_path,
                       "': ", fs_result.status().message());
  }
  loc.fs = *fs_result;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  loc.root = path;
  return loc;
}

namespace {

int64_t ToMillis(arrow::fs::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Local disk: names from readdir(3) alone; a stat per entry costs more than the whole parse on
// logs of thousands of commits.
arrow::Result<std::vector<log::LogFile>> ListLocalNames(const TableLocation& loc) {
  std::error_code ec;
  std::filesystem::directory_iterator it(loc.LogDir(), ec);
  if (ec) {
    return DELTA_ERROR(kTableNotFound, "no Delta table at ", loc.uri, ": ", loc.LogDir(),
                       " does not exist");
  }
  std::vector<log::LogFile> out;
  for (const auto& entry : it) {
    auto name = log::ParseLogFileName(entry.path().filename().string());
    if (!name) continue;
    std::error_code type_ec;
    if (entry.is_directory(type_ec)) continue;
    log::LogFile f;
    f.name = std::move(*name);
    f.path = loc.LogDir() + "/" + entry.path().filename().string();
    f.size = -1;
    f.modification_time_ms = -1;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

arrow::Status EnsureModificationTime(const TableLocation& loc, log::LogFile* file) {
  if (file->modification_time_ms >= 0) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto info, loc.fs->GetFileInfo(file->path));
  file->modification_time_ms = ToMillis(info.mtime());
  file->size = info.size();
  return arrow::Status::OK();
}

arrow::Result<std::vector<log::LogFile>> ListLog(const TableLocation& loc, bool with_times) {
  if (!with_times && loc.fs->type_name() == "local") return ListLocalNames(loc);
  arrow::fs::FileSelector sel;
  sel.base_dir = loc.LogDir();
  sel.allow_not_found = true;
  sel.recursive = false;
  auto infos = loc.fs->GetFileInfo(sel);
  if (!infos.ok()) {
    return DELTA_ERROR(kIoError, "cannot list ", sel.base_dir, ": ", infos.status().message());
  }
  if (infos->empty()) {
    auto info = loc.fs->GetFileInfo(sel.base_dir);
    if (!info.ok() || info->type() != arrow::fs::FileType::Directory) {
      return DELTA_ERROR(kTableNotFound, "no Delta table at ", loc.uri, ": ", sel.base_dir,
                         " does not exist");
    }
  }
  std::vector<log::LogFile> out;
  out.reserve(infos->size());
  for (auto& info : *infos) {
    if (info.type() != arrow::fs::FileType::File) continue;
    auto name = log::ParseLogFileName(info.base_name());
    if (!name) continue;
    log::LogFile f;
    f.name = std::move(*name);
    f.path = info.path();
    f.size = info.size();
    f.modification_time_ms = ToMillis(info.mtime());
    out.push_back(std::move(f));
  }
  return out;
}

arrow::Result<std::string> ReadWholeFile(const arrow::fs::FileSystem& fs, const std::string& path) {
  auto file = const_cast<arrow::fs::FileSystem&>(fs).OpenInputFile(path);
  if (!file.ok()) {
    return DELTA_ERROR(kIoError, "cannot open ", path, ": ", file.status().message());
  }
  ARROW_ASSIGN_OR_RAISE(int64_t size, (*file)->GetSize());
  ARROW_ASSIGN_OR_RAISE(auto buf, (*file)->ReadAt(0, size));
  return buf->ToString();
}

}  // namespace delta::storage
