// deltactl: the command-line client of deltacpp. `deltactl <command> TABLE [flags]`.
#include <arrow/compute/initialize.h>
#include <arrow/filesystem/filesystem.h>

#include <string_view>
#include <cstdio>
#include <cstdlib>
#include <arrow/memory_pool.h>

#include "common.h"
#include "delta/allocator_tuning.h"

int main(int argc, char** argv) {
  // Row-level operations (DELETE / UPDATE / MERGE, and SQL, which may be one) read while they
  // write: their freed pages go back to the OS in the background. Commands that move much data
  // keep them. See allocator_tuning.h.
  const std::string_view command = argc > 1 ? argv[1] : "";
  auto use = delta::AllocatorUse::kLight;
  if (command == "merge" || command == "delete" || command == "update" || command == "sql") {
    use = delta::AllocatorUse::kReturnFreedPages;
  } else if (command == "write" || command == "cat" || command == "changes" || command == "optimize" ||
             command == "convert" || command == "checkpoint") {
    use = delta::AllocatorUse::kKeepFreedPages;
  }
  delta::TuneAllocator(argv, use);
  // Diagnostics for benchmarks: DELTACPP_POOL_STATS=1 prints the pool and its peak at exit.
  if (std::getenv("DELTACPP_POOL_STATS")) std::atexit([] {
    fprintf(stderr, "pool %s peak %lld MB\n", arrow::default_memory_pool()->backend_name().c_str(),
            (long long)(arrow::default_memory_pool()->max_memory() >> 20));
  });
  auto init = arrow::compute::Initialize();
  if (!init.ok()) return deltactl::ReportError(init);
  CLI::App app{"deltactl: read, write and inspect Delta Lake tables (deltacpp)", "deltactl"};
  app.require_subcommand(1);
  app.set_version_flag("--version-info", std::string("deltactl 0.1.0"));
  int exit_code = deltactl::kExitOk;
  deltactl::RegisterInfo(app, &exit_code);
  deltactl::RegisterHistory(app, &exit_code);
  deltactl::RegisterFiles(app, &exit_code);
  deltactl::RegisterCat(app, &exit_code);
  deltactl::RegisterChanges(app, &exit_code);
  deltactl::RegisterCreate(app, &exit_code);
  deltactl::RegisterWrite(app, &exit_code);
  deltactl::RegisterCheckpoint(app, &exit_code);
  deltactl::RegisterAlter(app, &exit_code);
  deltactl::RegisterDelete(app, &exit_code);
  deltactl::RegisterRestore(app, &exit_code);
  deltactl::RegisterSql(app, &exit_code);
  deltactl::RegisterUpdate(app, &exit_code);
  deltactl::RegisterMerge(app, &exit_code);
  deltactl::RegisterConvert(app, &exit_code);
  deltactl::RegisterVacuum(app, &exit_code);
  deltactl::RegisterOptimize(app, &exit_code);
  deltactl::RegisterDoctor(app, &exit_code);
  deltactl::RegisterLake(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return deltactl::kExitUsage;
  }
  // Object-store SDKs (S3) must shut down before static destructors run.
  (void)arrow::fs::EnsureFinalized();
  return exit_code;
}
