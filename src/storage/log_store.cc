// The local store uses link(2) for put-if-absent: it is atomic on POSIX filesystems and fails
// with EEXIST instead of replacing, which rename(2) would do. The temporary file is fsynced
// first so a crash after the link leaves a complete commit, never a torn one.
#include "delta/log_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <utility>

#include <arrow/filesystem/localfs.h>

#include "delta/error.h"
#include "storage/table_location.h"

namespace delta {
namespace {

std::string RandomSuffix() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  return std::to_string(::getpid()) + "-" + std::to_string(rd()) + "-" +
         std::to_string(counter.fetch_add(1));
}

arrow::Status WriteFully(int fd, std::string_view content, const std::string& path) {
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return DELTA_ERROR(kIoError, "cannot write ", path, ": ", std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  return arrow::Status::OK();
}

class LocalLogStore : public LogStore {
 public:
  explicit LocalLogStore(std::shared_ptr<arrow::fs::FileSystem> fs) : fs_(std::move(fs)) {}

  arrow::Result<PutResult> PutIfAbsent(const std::string& path, std::string_view content) override {
    auto slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    ARROW_RETURN_NOT_OK(fs_->CreateDir(dir, /*recursive=*/true));
    std::string tmp = dir + "/.tmp-" + RandomSuffix() + ".json";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return DELTA_ERROR(kIoError, "cannot create ", tmp, ": ", std::strerror(errno));
    arrow::Status st = WriteFully(fd, content, tmp);
    if (st.ok() && ::fsync(fd) != 0) {
      st = DELTA_ERROR(kIoError, "cannot fsync ", tmp, ": ", std::strerror(errno));
    }
    ::close(fd);
    if (!st.ok()) {
      ::unlink(tmp.c_str());
      return st;
    }
    int rc = ::link(tmp.c_str(), path.c_str());
    int err = errno;
    ::unlink(tmp.c_str());
    if (rc == 0) {
      // Make the new directory entry durable.
      int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
      }
      return PutResult::kCreated;
    }
    if (err == EEXIST) return PutResult::kAlreadyExists;
    return DELTA_ERROR(kIoError, "cannot commit ", path, ": ", std::strerror(err));
  }

  arrow::Result<std::string> Read(const std::string& path) override {
    return storage::ReadWholeFile(*fs_, path);
  }

  arrow::Status Overwrite(const std::string& path, std::string_view content) override {
    // Write-then-rename: readers see the old or the new file, never a partial one.
    auto slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    ARROW_RETURN_NOT_OK(fs_->CreateDir(dir, true));
    std::string tmp = dir + "/.tmp-" + RandomSuffix();
    {
      ARROW_ASSIGN_OR_RAISE(auto out, fs_->OpenOutputStream(tmp));
      ARROW_RETURN_NOT_OK(out->Write(content.data(), static_cast<int64_t>(content.size())));
      ARROW_RETURN_NOT_OK(out->Close());
    }
    return fs_->Move(tmp, path);
  }

 private:
  std::shared_ptr<arrow::fs::FileSystem> fs_;
};

class InMemoryLogStore : public LogStore {
 public:
  arrow::Result<PutResult> PutIfAbsent(const std::string& path, std::string_view content) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = files_.emplace(path, std::string(content));
    return inserted ? PutResult::kCreated : PutResult::kAlreadyExists;
  }
  arrow::Result<std::string> Read(const std::string& path) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = files_.find(path);
    if (it == files_.end()) return DELTA_ERROR(kIoError, "no file ", path);
    return it->second;
  }
  arrow::Status Overwrite(const std::string& path, std::string_view content) override {
    std::lock_guard<std::mutex> lock(mu_);
    files_[path] = std::string(content);
    return arrow::Status::OK();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> files_;
};

class FaultInjectingLogStore : public LogStore {
 public:
  FaultInjectingLogStore(std::shared_ptr<LogStore> inner, std::function<FaultPoint()> next)
      : inner_(std::move(inner)), next_(std::move(next)) {}
  arrow::Result<PutResult> PutIfAbsent(const std::string& path, std::string_view content) override {
    FaultPoint f = next_ ? next_() : FaultPoint::kNone;
    if (f == FaultPoint::kBeforeCommit) {
      return DELTA_ERROR(kIoError, "injected fault before committing ", path);
    }
    ARROW_ASSIGN_OR_RAISE(auto r, inner_->PutIfAbsent(path, content));
    if (f == FaultPoint::kAfterCommit) {
      return DELTA_ERROR(kIoError, "injected fault after committing ", path);
    }
    return r;
  }
  arrow::Result<std::string> Read(const std::string& path) override { return inner_->Read(path); }
  arrow::Status Overwrite(const std::string& path, std::string_view content) override {
    return inner_->Overwrite(path, content);
  }

 private:
  std::shared_ptr<LogStore> inner_;
  std::function<FaultPoint()> next_;
};

// Object stores: a PUT is atomically visible and never torn, but Arrow's filesystems offer no
// "only if absent" condition, so this checks and then puts. Two writers racing for one version
// can both succeed (the later PUT replaces the earlier commit): only for tables with a single
// writer at a time, which the user asserts by opting in.
class CheckThenPutLogStore : public LogStore {
 public:
  explicit CheckThenPutLogStore(std::shared_ptr<arrow::fs::FileSystem> fs) : fs_(std::move(fs)) {}

  arrow::Result<PutResult> PutIfAbsent(const std::string& path, std::string_view content) override {
    ARROW_ASSIGN_OR_RAISE(auto info, fs_->GetFileInfo(path));
    if (info.type() != arrow::fs::FileType::NotFound) return PutResult::kAlreadyExists;
    ARROW_RETURN_NOT_OK(Overwrite(path, content));
    return PutResult::kCreated;
  }

  arrow::Result<std::string> Read(const std::string& path) override {
    return storage::ReadWholeFile(*fs_, path);
  }

  arrow::Status Overwrite(const std::string& path, std::string_view content) override {
    ARROW_ASSIGN_OR_RAISE(auto out, fs_->OpenOutputStream(path));
    ARROW_RETURN_NOT_OK(out->Write(content.data(), static_cast<int64_t>(content.size())));
    return out->Close();
  }

 private:
  std::shared_ptr<arrow::fs::FileSystem> fs_;
};

bool UnsafeObjectStoreCommitsAllowed() {
  const char* v = std::getenv(kUnsafeObjectStoreCommitsEnv);
  if (v == nullptr) return false;
  std::string s(v);
  return s == "1" || s == "true" || s == "TRUE" || s == "True";
}

}  // namespace

arrow::Result<std::shared_ptr<LogStore>> MakeLogStore(std::shared_ptr<arrow::fs::FileSystem> fs) {
  if (fs->type_name() == "local") return std::make_shared<LocalLogStore>(std::move(fs));
  if (UnsafeObjectStoreCommitsAllowed()) return MakeCheckThenPutLogStore(std::move(fs));
  return DELTA_ERROR(kUnsupportedFeature, "committing to ", fs->type_name(),
                     " storage needs a conditional put, which Arrow's ", fs->type_name(),
                     " filesystem does not offer; if only one writer at a time commits to this "
                     "table, set ", kUnsafeObjectStoreCommitsEnv, "=true");
}

std::shared_ptr<LogStore> MakeCheckThenPutLogStore(std::shared_ptr<arrow::fs::FileSystem> fs) {
  return std::make_shared<CheckThenPutLogStore>(std::move(fs));
}

std::shared_ptr<LogStore> MakeInMemoryLogStore() { return std::make_shared<InMemoryLogStore>(); }

std::shared_ptr<LogStore> MakeFaultInjectingLogStore(std::shared_ptr<LogStore> inner,
                                                     std::function<FaultPoint()> next_fault) {
  return std::make_shared<FaultInjectingLogStore>(std::move(inner), std::move(next_fault));
}

std::shared_ptr<LogStore> MakeRivalFirstLogStore(std::shared_ptr<LogStore> inner,
                                                 std::function<void()> rival) {
  return MakeFaultInjectingLogStore(std::move(inner), [rival = std::move(rival)]() mutable {
    if (rival) std::exchange(rival, nullptr)();
    return FaultPoint::kNone;
  });
}

}  // namespace delta
