// Shared pieces of the deltactl subcommands: opening tables and snapshots from flags, error
// reporting, and output writers. Every subcommand is a thin client of include/delta/.
#pragma once

#include <iostream>
#include <memory>
#include <optional>
#include <map>
#include <string>

#include <CLI/CLI.hpp>
#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "delta/snapshot.h"
#include "delta/table.h"

namespace deltactl {

/// Exit codes: 0 ok, 1 error, 2 usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

/// Prints `deltactl: error [Kind]: message` to stderr and returns kExitError.
int ReportError(const arrow::Status& status);

/// --version / --timestamp selection shared by read commands.
struct VersionFlags {
  std::optional<int64_t> version;
  std::optional<std::string> timestamp;
  void Add(CLI::App* cmd);
};

arrow::Result<std::shared_ptr<const delta::Snapshot>> LoadSnapshot(const delta::Table& table,
                                                                  const VersionFlags& flags);

enum class OutputFormat { kTable, kCsv, kJson, kParquet };

/// Writes every batch of `reader` in `format` to `output` (stdout when empty; parquet needs a
/// file). Returns the number of rows written.
arrow::Result<int64_t> WriteRows(arrow::RecordBatchReader& reader, OutputFormat format,
                                 const std::string& output);

/// Adds --format and --output to a command that prints rows.
void AddOutputOptions(CLI::App* cmd, OutputFormat* format, std::string* output);

std::string FormatTimestampMs(int64_t ms);

/// Parses `key=value` arguments into `out`. On a malformed one, prints a usage error naming it
/// (`what` is the flag or subcommand) and returns false.
bool ParseProperties(const std::vector<std::string>& args, const std::string& what,
                     std::map<std::string, std::string>* out);

// Registration of each subcommand: adds it to `app` and sets its callback, which stores the
// exit code in *exit_code.
void RegisterInfo(CLI::App& app, int* exit_code);
void RegisterHistory(CLI::App& app, int* exit_code);
void RegisterFiles(CLI::App& app, int* exit_code);
void RegisterCat(CLI::App& app, int* exit_code);
void RegisterChanges(CLI::App& app, int* exit_code);
void RegisterCreate(CLI::App& app, int* exit_code);
void RegisterWrite(CLI::App& app, int* exit_code);
void RegisterCheckpoint(CLI::App& app, int* exit_code);
void RegisterAlter(CLI::App& app, int* exit_code);
void RegisterConvert(CLI::App& app, int* exit_code);
void RegisterVacuum(CLI::App& app, int* exit_code);
void RegisterOptimize(CLI::App& app, int* exit_code);
void RegisterDelete(CLI::App& app, int* exit_code);
void RegisterRestore(CLI::App& app, int* exit_code);
void RegisterSql(CLI::App& app, int* exit_code);
void RegisterUpdate(CLI::App& app, int* exit_code);
void RegisterMerge(CLI::App& app, int* exit_code);
void RegisterDoctor(CLI::App& app, int* exit_code);
void RegisterLake(CLI::App& app, int* exit_code);

}  // namespace deltactl
