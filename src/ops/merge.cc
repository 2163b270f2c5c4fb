// MERGE (delta/operations/merge.h). The plan:
//  1. materialize the source (one batch);
//  2. resolve the ON condition and the clauses against target + source columns, split ON into
//     equality conjuncts (hash-join keys: target expression = source expression) and a residual;
//  3. build a hash table (arrow Grouper) on the source keys, choose the target files that can
//     hold a match (target-only conjuncts and the source key ranges; all files with NOT MATCHED
//     BY SOURCE clauses), and probe them one file at a time: matched pairs -> residual ->
//     WHEN MATCHED clauses, unmatched target rows -> WHEN NOT MATCHED BY SOURCE clauses; the
//     changed rows go to the file's deletion vector or the file is rewritten;
//  4. source rows that matched nothing -> WHEN NOT MATCHED clauses (inserts).
// Memory: the source, its hash table and one target file.
#include "delta/operations/merge.h"

#include <sys/mman.h>

#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <functional>
#include <limits>
#include <numeric>
#include <mutex>
#include <set>
#include <thread>

#include <arrow/array/builder_primitive.h>
#include <arrow/array/concatenate.h>
#include <arrow/array/util.h>
#include <arrow/compute/api.h>
#include <arrow/compute/row/grouper.h>
#include <arrow/table.h>
#include <arrow/util/bit_util.h>
#include <arrow/util/key_value_metadata.h>
#include <nlohmann/json.hpp>

#include "delta/error.h"
#include "delta/scan.h"
#include "expr/sql_semantics.h"
#include "log/wire_names.h"
#include "ops/merge_parse.h"
#include "ops/row_level.h"
#include "protocol/table_features.h"
#include "util/strings.h"
#include "write/constraints.h"
#include "write/generated_columns.h"

namespace delta {
namespace {

namespace cp = arrow::compute;
using BatchPtr = std::shared_ptr<arrow::RecordBatch>;

bool IsGenerated(const arrow::Field& f) {
  return f.metadata() && f.metadata()->Contains(wire::kGenerationExpression);
}

int FindCi(const arrow::Schema& schema, const std::string& name) {
  const auto l = util::ToLower(name);
  for (int i = 0; i < schema.num_fields(); ++i) {
    if (util::ToLower(schema.field(i)->name()) == l) return i;
  }
  return -1;
}

// Internal column names of the combined (target + source) rows.
std::string TName(int i) { return "__t" + std::to_string(i); }
std::string SName(int i) { return "__s" + std::to_string(i); }

enum Side : int { kNone = 0, kTarget = 1, kSource = 2 };

// Resolves column references to internal names (__tN / __sN), or with `plain`, target
// columns to their table names (for data skipping and conflict detection).
class Resolver {
 public:
  Resolver(std::shared_ptr<arrow::Schema> target, std::shared_ptr<arrow::Schema> source, std::string t_alias,
           std::string s_alias)
      : target_(std::move(target)),
        source_(std::move(source)),
        t_alias_(util::ToLower(t_alias)),
        s_alias_(util::ToLower(s_alias)) {}

  arrow::Result<ExprPtr> Resolve(const ExprPtr& e, int* sides, bool plain = false) const {
    if (!e) return e;
    if (e->kind() == Expr::Kind::kLiteral) return e;
    if (e->kind() == Expr::Kind::kCall) {
      auto copy = std::make_shared<Expr>(*e);
      for (auto& a : copy->args_) {
        ARROW_ASSIGN_OR_RAISE(a, Resolve(a, sides, plain));
      }
      return copy;
    }
    const auto& path = e->column();
    std::vector<std::string> out;
    auto rest = [&](size_t from) {
      for (size_t k = from; k < path.size(); ++k) out.push_back(path[k]);
    };
    if (path.size() >= 2) {
      const auto head = util::ToLower(path[0]);
      if (head == t_alias_) {
        int i = FindCi(*target_, path[1]);
        if (i >= 0) {
          *sides |= kTarget;
          out.push_back(plain ? target_->field(i)->name() : TName(i));
          rest(2);
          return Expr::Column(out);
        }
      }
      if (head == s_alias_) {
        int i = FindCi(*source_, path[1]);
        if (i >= 0) {
          *sides |= kSource;
          out.push_back(SName(i));
          rest(2);
          return Expr::Column(out);
        }
      }
    }
    const int ti = FindCi(*target_, path[0]);
    const int si = FindCi(*source_, path[0]);
    if (ti >= 0 && si >= 0) {
      return DELTA_ERROR(kInvalidArgument, "MERGE: column '", path[0], "' is ambiguous (in the target and the source); ",
                         "qualify it as ", t_alias_, ".", path[0], " or ", s_alias_, ".", path[0]);
    }
    if (ti >= 0) {
      *sides |= kTarget;
      out.push_back(plain ? target_->field(ti)->name() : TName(ti));
    } else if (si >= 0) {
      *sides |= kSource;
      out.push_back(SName(si));
    } else {
      std::string name;
      for (size_t k = 0; k < path.size(); ++k) name += (k ? "." : "") + path[k];
      return DELTA_ERROR(kInvalidArgument, "MERGE: unknown column '", name, "' (target alias ", t_alias_,
                         ", source alias ", s_alias_, ")");
    }
    rest(1);
    return Expr::Column(out);
  }

 private:
  std::shared_ptr<arrow::Schema> target_, source_;
  std::string t_alias_, s_alias_;
};

void Conjuncts(const ExprPtr& e, std::vector<ExprPtr>* out) {
  if (e->kind() == Expr::Kind::kCall && e->function() == "and") {
    for (const auto& a : e->args()) Conjuncts(a, out);
    return;
  }
  out->push_back(e);
}

ExprPtr AndAll(const std::vector<ExprPtr>& es) {
  if (es.empty()) return nullptr;
  ExprPtr acc = es[0];
  for (size_t i = 1; i < es.size(); ++i) acc = Expr::Call("and", {acc, es[i]});
  return acc;
}

// Which internal columns an expression uses.
void CollectRefs(const ExprPtr& e, std::set<std::string>* out) {
  if (!e) return;
  for (const auto& p : e->ReferencedColumns()) out->insert(p[0]);
}

arrow::Result<std::shared_ptr<arrow::Array>> ToArray(const arrow::Datum& d, int64_t n) {
  if (d.is_scalar()) return arrow::MakeArrayFromScalar(*d.scalar(), n);
  return d.make_array();
}

// Evaluates a boolean expression; TRUE rows as a bitmap (NULL counts as false).
arrow::Result<std::vector<uint8_t>> EvalMask(const cp::Expression& e, const arrow::RecordBatch& b) {
  ARROW_ASSIGN_OR_RAISE(auto d, expr_internal::Evaluate(e, cp::ExecBatch(b), "MERGE condition"));
  std::vector<uint8_t> out(static_cast<size_t>(b.num_rows()), 0);
  if (d.is_scalar()) {
    const auto& s = d.scalar_as<arrow::BooleanScalar>();
    if (s.is_valid && s.value) std::fill(out.begin(), out.end(), 1);
    return out;
  }
  auto arr = std::static_pointer_cast<arrow::BooleanArray>(d.make_array());
  for (int64_t i = 0; i < arr->length(); ++i) out[static_cast<size_t>(i)] = arr->IsValid(i) && arr->Value(i);
  return out;
}

// A fixed-size array of T, filled with `fill`, in transparent huge pages where the kernel
// gives them (madvise): a hash table probed at random (tens of MB for a million keys) then
// costs no TLB miss per probe, and its first touch a fault per 2 MiB instead of per 4 KiB.
template <typename T>
class HugePageArray {
 public:
  HugePageArray() = default;
  HugePageArray(size_t n, const T& fill) : size_(n) {
    static_assert(std::is_trivially_copyable_v<T>);
    constexpr size_t kHuge = size_t{2} << 20;
    const size_t bytes = std::max<size_t>(n * sizeof(T), 1);
    const size_t align = bytes >= kHuge ? kHuge : alignof(std::max_align_t);
    void* p = std::aligned_alloc(align, (bytes + align - 1) / align * align);
    if (!p) throw std::bad_alloc();
    if (bytes >= kHuge) madvise(p, (bytes + align - 1) / align * align, MADV_HUGEPAGE);
    data_.reset(static_cast<T*>(p));
    std::fill(data_.get(), data_.get() + n, fill);
  }
  T& operator[](size_t i) { return data_.get()[i]; }
  const T& operator[](size_t i) const { return data_.get()[i]; }
  size_t size() const { return size_; }
  const T* begin() const { return data_.get(); }
  const T* end() const { return data_.get() + size_; }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> data_;
  size_t size_ = 0;
};

// Hash table from one integer key to a dense group id (open addressing, linear probing): the
// common MERGE key (an id column) without arrow's generic Grouper. A slot holds key and group
// together (one cache line visit per probe). Sized for the keys given at construction; grows
// if more come.
class IntKeyTable {
 public:
  explicit IntKeyTable(size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap <<= 1;
    Resize(cap);
    SizeFilter(expected);
  }
  int32_t Insert(int64_t k) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    for (size_t i = Slot(k);; i = (i + 1) & mask_) {
      Entry& e = slots_[i];
      if (e.group < 0) {
        e.key = k;
        e.group = static_cast<int32_t>(size_++);
        const uint64_t h = FilterBit(k);
        filter_[h >> 6] |= uint64_t{1} << (h & 63);
        return e.group;
      }
      if (e.key == k) return e.group;
    }
  }
  // Insert for keys[i] where valid[i] (valid may be null: all); ids[i] = its group. Keys go in
  // blocks whose slots are prefetched first, so that a block's cache misses (random keys miss
  // on every insert) overlap; inserting stays sequential, so duplicates behave as in Insert.
  void InsertBatch(const int64_t* keys, const uint8_t* valid, int64_t n, int32_t* ids) {
    constexpr int64_t kBlock = 32;
    for (int64_t base = 0; base < n; base += kBlock) {
      const int64_t m = std::min(kBlock, n - base);
      if ((size_ + static_cast<size_t>(m)) * 2 > slots_.size()) Grow();
      for (int64_t j = 0; j < m; ++j) __builtin_prefetch(&slots_[Slot(keys[base + j])], 1);
      for (int64_t j = 0; j < m; ++j) {
        const int64_t i = base + j;
        if (!valid || valid[i]) ids[i] = Insert(keys[i]);
      }
    }
  }
  size_t size() const { return size_; }

  // Find for keys[0..n): out[i] = group or -1. Keys go in blocks: the filter words of a block
  // are prefetched together, then the table slots of the keys that pass, so that the cache
  // misses of a block overlap instead of following one another (random keys miss in both).
  void FindBatch(const int64_t* keys, int64_t n, int32_t* out) const {
    constexpr int64_t kBlock = 64;
    uint64_t bit[kBlock];
    size_t slot[kBlock];
    for (int64_t base = 0; base < n; base += kBlock) {
      const int64_t m = std::min(kBlock, n - base);
      const int64_t* k = keys + base;
      if (!filter_.empty()) {
        for (int64_t j = 0; j < m; ++j) {
          bit[j] = FilterBit(k[j]);
          __builtin_prefetch(&filter_[bit[j] >> 6]);
        }
      }
      for (int64_t j = 0; j < m; ++j) {
        if (!filter_.empty() && !((filter_[bit[j] >> 6] >> (bit[j] & 63)) & 1)) {
          slot[j] = SIZE_MAX;
          continue;
        }
        slot[j] = Slot(k[j]);
        __builtin_prefetch(&slots_[slot[j]]);
      }
      for (int64_t j = 0; j < m; ++j) {
        int32_t g = -1;
        if (slot[j] != SIZE_MAX) {
          for (size_t i = slot[j];; i = (i + 1) & mask_) {
            const Entry& e = slots_[i];
            if (e.group < 0) break;
            if (e.key == k[j]) {
              g = e.group;
              break;
            }
          }
        }
        out[base + j] = g;
      }
    }
  }

  // A one-bit-per-hash filter of about 8 bits per key (capped at 8 MiB), set as keys are
  // inserted, so that the common probe, a target key with no source row, costs one
  // cache-resident bit test instead of misses in the table (~12% false positives go on to the
  // table). After the inserts: rebuilt larger if more keys came than the table was sized for.
  void FinishFilter() {
    if (FilterBits(size_) <= filter_.size() * 64) return;
    SizeFilter(size_);
    for (const Entry& e : slots_) {
      if (e.group < 0) continue;
      const uint64_t h = FilterBit(e.key);
      filter_[h >> 6] |= uint64_t{1} << (h & 63);
    }
  }

 private:
  // Packed: 12 bytes instead of 16 (a million keys: 24 instead of 32 MiB of table); x86-64
  // and AArch64 load an unaligned key as fast (one entry in 16 straddles a cache line).
  struct __attribute__((packed)) Entry {
    int64_t key;
    int32_t group;  // -1: empty
  };
  static size_t FilterBits(size_t keys) {
    size_t bits = 1 << 12;
    while (bits < keys * 8 && bits < (size_t{1} << 26)) bits <<= 1;
    return bits;
  }
  void SizeFilter(size_t keys) {
    const size_t bits = FilterBits(keys);
    filter_.assign(bits / 64, 0);
    filter_shift_ = 64;
    for (size_t c = bits; c > 1; c >>= 1) --filter_shift_;
  }
  uint64_t FilterBit(int64_t k) const {
    return (static_cast<uint64_t>(k) * 0xC2B2AE3D27D4EB4FULL) >> filter_shift_;
  }
  size_t Slot(int64_t k) const {
    return static_cast<size_t>((static_cast<uint64_t>(k) * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  void Resize(size_t cap) {
    slots_ = HugePageArray<Entry>(cap, Entry{0, -1});
    mask_ = cap - 1;
    shift_ = 64;
    for (size_t c = cap; c > 1; c >>= 1) --shift_;
  }
  void Grow() {
    auto old = std::move(slots_);
    Resize(old.size() * 2);
    for (const Entry& e : old) {
      if (e.group < 0) continue;
      size_t j = Slot(e.key);
      while (slots_[j].group >= 0) j = (j + 1) & mask_;
      slots_[j] = e;
    }
  }
  HugePageArray<Entry> slots_;
  std::vector<uint64_t> filter_;
  int filter_shift_ = 64;
  size_t size_ = 0, mask_ = 0;
  int shift_ = 64;
};

bool IsIntegerKey(const arrow::DataType& t) { return arrow::is_integer(t.id()); }

// An integer statistic as int64 (the signed types read directly: a cast per file costs
// microseconds on tables of many files).
std::optional<int64_t> IntegerStat(const std::shared_ptr<arrow::Scalar>& s) {
  if (!s || !s->is_valid) return std::nullopt;
  switch (s->type->id()) {
    case arrow::Type::INT8: return static_cast<const arrow::Int8Scalar&>(*s).value;
    case arrow::Type::INT16: return static_cast<const arrow::Int16Scalar&>(*s).value;
    case arrow::Type::INT32: return static_cast<const arrow::Int32Scalar&>(*s).value;
    case arrow::Type::INT64: return static_cast<const arrow::Int64Scalar&>(*s).value;
    default: {
      auto c = s->CastTo(arrow::int64());
      if (!c.ok() || !(*c)->is_valid) return std::nullopt;
      return static_cast<const arrow::Int64Scalar&>(**c).value;
    }
  }
}

// Join keys compare as Spark's do after its float normalization: -0.0 equals 0.0 and NaN
// equals NaN. Hashing compares bits, so map -0.0 to 0.0 (x + 0.0) and every NaN to one NaN.
arrow::Result<std::shared_ptr<arrow::Array>> NormalizeFloatingKey(const std::shared_ptr<arrow::Array>& a) {
  if (!arrow::is_floating(a->type_id())) return a;
  ARROW_ASSIGN_OR_RAISE(auto zero, arrow::MakeScalar(a->type(), 0.0));
  ARROW_ASSIGN_OR_RAISE(auto nan, arrow::MakeScalar(a->type(), std::numeric_limits<double>::quiet_NaN()));
  ARROW_ASSIGN_OR_RAISE(auto plus, cp::CallFunction("add", {a, zero}));
  ARROW_ASSIGN_OR_RAISE(auto is_nan, cp::CallFunction("is_nan", {plus}));
  ARROW_ASSIGN_OR_RAISE(auto out, cp::CallFunction("if_else", {is_nan, nan, plus}));
  return out.make_array();
}

arrow::Result<std::shared_ptr<arrow::Int64Array>> AsInt64(const std::shared_ptr<arrow::Array>& a) {
  if (a->type_id() == arrow::Type::INT64) return std::static_pointer_cast<arrow::Int64Array>(a);
  ARROW_ASSIGN_OR_RAISE(auto d, arrow::compute::Cast(a, arrow::int64()));
  return std::static_pointer_cast<arrow::Int64Array>(d.make_array());
}

struct CompiledClause {
  MergeClauseKind kind;
  std::optional<cp::Expression> condition;  // bound to the eval schema
  // Per target column: the value (bound to the eval schema, cast to the column's type), or
  // nullopt: unchanged (update) / NULL or generated (insert).
  std::vector<std::optional<cp::Expression>> values;
  bool is_update() const {
    return kind == MergeClauseKind::kMatchedUpdate || kind == MergeClauseKind::kNotMatchedBySourceUpdate;
  }
  bool is_delete() const {
    return kind == MergeClauseKind::kMatchedDelete || kind == MergeClauseKind::kNotMatchedBySourceDelete;
  }
};

std::string ClauseActionName(const MergeClause& c) {
  switch (c.kind) {
    case MergeClauseKind::kMatchedUpdate:
    case MergeClauseKind::kNotMatchedBySourceUpdate:
      return "update";
    case MergeClauseKind::kMatchedDelete:
    case MergeClauseKind::kNotMatchedBySourceDelete:
      return "delete";
    case MergeClauseKind::kNotMatchedInsert:
      return "insert";
  }
  return "";
}

// Spark's operationParameters: JSON lists of {"actionType", "predicate"?}.
std::string ClausesParameter(const std::vector<MergeClause>& clauses, bool (*want)(MergeClauseKind)) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : clauses) {
    if (!want(c.kind)) continue;
    nlohmann::json j;
    if (c.condition) j["predicate"] = c.condition->ToString();
    j["actionType"] = ClauseActionName(c);
    list.push_back(j);
  }
  return list.dump();
}

bool IsMatched(MergeClauseKind k) {
  return k == MergeClauseKind::kMatchedUpdate || k == MergeClauseKind::kMatchedDelete;
}
bool IsNotMatched(MergeClauseKind k) { return k == MergeClauseKind::kNotMatchedInsert; }
bool IsNotMatchedBySource(MergeClauseKind k) {
  return k == MergeClauseKind::kNotMatchedBySourceUpdate || k == MergeClauseKind::kNotMatchedBySourceDelete;
}

class MergeRun {
 public:
  MergeRun(const MergeOptions& options, BatchPtr source, int64_t materialize_ms)
      : options_(options), source_(std::move(source)) {
    m_.num_source_rows = source_->num_rows();
    m_.materialize_source_time_ms = materialize_ms;
  }

  // Called by RowLevelWrite::Begin with the snapshot: plans the merge and returns the
  // target-only predicate that chooses the files to read.
  arrow::Result<ExprPtr> Plan(const Snapshot& snap) {
    target_schema_ = snap.schema();
    if (options_.merge_schema) {
      // Schema evolution (Spark's autoMerge): with UPDATE SET * / INSERT *, source columns the
      // target lacks are added at the end, nullable.
      bool star = false;
      for (const auto& c : options_.clauses) star |= c.star;
      arrow::FieldVector fields = target_schema_->fields();
      for (const auto& f : source_->schema()->fields()) {
        if (star && FindCi(*target_schema_, f->name()) < 0) {
          added_columns_.push_back(f->WithNullable(true));
          fields.push_back(f->WithNullable(true));
        }
      }
      target_schema_ = arrow::schema(fields);
    }
    resolver_ = std::make_unique<Resolver>(target_schema_, source_->schema(), options_.target_alias,
                                           options_.source_alias);
    if (!options_.condition) return DELTA_ERROR(kInvalidArgument, "MERGE needs an ON condition");
    if (options_.clauses.empty()) return DELTA_ERROR(kInvalidArgument, "MERGE needs at least one WHEN clause");
    for (const auto& c : options_.clauses) {
      if (IsMatched(c.kind)) has_matched_ = true;
      if (IsNotMatched(c.kind)) has_not_matched_ = true;
      if (IsNotMatchedBySource(c.kind)) has_nmbs_ = true;
    }
    insert_only_ = !has_matched_ && !has_nmbs_;
    // Spark's parser: of several clauses of one kind, only the last may omit its condition.
    for (auto group : {IsMatched, IsNotMatched, IsNotMatchedBySource}) {
      bool unconditional_seen = false;
      for (size_t i = 0; i < options_.clauses.size(); ++i) {
        if (!group(options_.clauses[i].kind)) continue;
        if (unconditional_seen) {
          return DELTA_ERROR(kInvalidArgument, "MERGE clause ", i + 1, " can never apply: an earlier ",
                             IsMatched(options_.clauses[i].kind)      ? "WHEN MATCHED"
                             : IsNotMatched(options_.clauses[i].kind) ? "WHEN NOT MATCHED"
                                                                      : "WHEN NOT MATCHED BY SOURCE",
                             " clause has no condition (only the last clause of a kind may omit it)");
        }
        unconditional_seen = !options_.clauses[i].condition;
      }
    }
    one_unconditional_delete_ = false;
    {
      int matched = 0;
      for (const auto& c : options_.clauses) matched += IsMatched(c.kind);
      for (const auto& c : options_.clauses) {
        if (matched == 1 && c.kind == MergeClauseKind::kMatchedDelete && !c.condition) one_unconditional_delete_ = true;
      }
    }

    // ON: keys and residual.
    std::vector<ExprPtr> conjuncts;
    Conjuncts(options_.condition, &conjuncts);
    std::vector<ExprPtr> residual, target_only_plain;
    for (const auto& c : conjuncts) {
      int sides = 0;
      ARROW_ASSIGN_OR_RAISE(auto r, resolver_->Resolve(c, &sides));
      if (sides == kTarget) {
        int ignored = 0;
        ARROW_ASSIGN_OR_RAISE(auto p, resolver_->Resolve(c, &ignored, /*plain=*/true));
        target_only_plain.push_back(p);
      }
      if (r->kind() == Expr::Kind::kCall && (r->function() == "==" || r->function() == "<=>") &&
          r->args().size() == 2) {
        int ls = 0, rs = 0;
        ARROW_ASSIGN_OR_RAISE(auto l, resolver_->Resolve(c->args()[0], &ls));
        ARROW_ASSIGN_OR_RAISE(auto rr, resolver_->Resolve(c->args()[1], &rs));
        if ((ls == kTarget && rs == kSource) || (ls == kSource && rs == kTarget)) {
          target_keys_.push_back(ls == kTarget ? l : rr);
          source_keys_.push_back(ls == kTarget ? rr : l);
          null_safe_.push_back(r->function() == "<=>");
          key_text_.push_back(c->ToString());
          continue;
        }
      }
      residual.push_back(r);
    }
    if (target_keys_.empty()) {
      // No equality between the sides (e.g. ON t.ts BETWEEN s.lo AND s.hi): every target row
      // meets every source row under one constant key and the residual decides, as Spark's
      // nested-loop join does. Quadratic in the rows of a target batch times the source.
      target_keys_.push_back(Expr::Literal(std::make_shared<arrow::BooleanScalar>(true)));
      source_keys_.push_back(Expr::Literal(std::make_shared<arrow::BooleanScalar>(true)));
      null_safe_.push_back(false);
      key_text_.push_back("TRUE");
    }
    residual_expr_ = AndAll(residual);

    // Which columns the expressions use (the eval batch holds only those).
    std::set<std::string> refs;
    CollectRefs(residual_expr_, &refs);
    ARROW_RETURN_NOT_OK(ResolveClauses(&refs));
    arrow::FieldVector eval_fields;
    for (int i = 0; i < target_schema_->num_fields(); ++i) {
      if (refs.count(TName(i))) {
        eval_fields.push_back(target_schema_->field(i)->WithName(TName(i))->WithNullable(true));
        eval_target_.push_back(i);
      }
    }
    for (int i = 0; i < source_->num_columns(); ++i) {
      if (refs.count(SName(i))) {
        eval_fields.push_back(source_->schema()->field(i)->WithName(SName(i))->WithNullable(true));
        eval_source_.push_back(i);
      }
    }
    eval_schema_ = arrow::schema(eval_fields);
    ARROW_RETURN_NOT_OK(BindClauses());
    if (residual_expr_) {
      ARROW_ASSIGN_OR_RAISE(auto e, ToArrowExpression(*residual_expr_, *eval_schema_));
      ARROW_ASSIGN_OR_RAISE(residual_, e.Bind(*eval_schema_));
    }

    // Target columns to read: all, except for an insert-only merge (keys + residual).
    std::set<int> read;
    if (insert_only_) {
      std::set<std::string> key_refs;
      for (const auto& k : target_keys_) CollectRefs(k, &key_refs);
      for (int i = 0; i < target_schema_->num_fields(); ++i) {
        if (key_refs.count(TName(i)) || refs.count(TName(i))) read.insert(i);
      }
    } else {
      for (int i = 0; i < target_schema_->num_fields(); ++i) read.insert(i);
    }
    read_columns_.assign(read.begin(), read.end());
    arrow::FieldVector tview;
    for (int i : read_columns_) tview.push_back(target_schema_->field(i)->WithName(TName(i)));
    target_view_ = arrow::schema(tview);
    arrow::FieldVector sview;
    for (int i = 0; i < source_->num_columns(); ++i) sview.push_back(source_->schema()->field(i)->WithName(SName(i)));
    source_view_ = arrow::schema(sview);

    ARROW_RETURN_NOT_OK(BuildHashTable());
    if (target_keys_.size() == 1 && target_keys_[0]->kind() == Expr::Kind::kColumn &&
        target_keys_[0]->column().size() == 1) {
      const int ti = std::stoi(target_keys_[0]->column()[0].substr(3));
      if (IsIntegerKey(*target_schema_->field(ti)->type())) key_column_ = target_schema_->field(ti)->name();
    }

    if (has_nmbs_) return ExprPtr();  // every file may hold a row those clauses change
    std::vector<ExprPtr> skipping = target_only_plain;
    if (valid_source_rows_ == 0) {
      skip_all_ = true;
      return ExprPtr();
    }
    const auto& pcs = snap.metadata().partition_columns;
    for (size_t k = 0; k < target_keys_.size(); ++k) {
      const auto& tk = target_keys_[k];
      if (tk->kind() != Expr::Kind::kColumn || tk->column().size() != 1) continue;
      const int ti = std::stoi(tk->column()[0].substr(3));
      const auto& field = target_schema_->field(ti);
      const auto& keys = source_key_arrays_[k];
      if (null_safe_[k] && keys->null_count() > 0) continue;  // NULL keys match NULL rows too
      ARROW_ASSIGN_OR_RAISE(auto valid, cp::Filter(keys, valid_mask_));
      auto column = Expr::Column({field->name()});
      if (std::find(pcs.begin(), pcs.end(), field->name()) != pcs.end()) {
        ARROW_ASSIGN_OR_RAISE(auto unique, cp::Unique(valid.make_array()));
        if (unique->length() <= 1000) {
          std::vector<ExprPtr> args{column};
          for (int64_t i = 0; i < unique->length(); ++i) {
            ARROW_ASSIGN_OR_RAISE(auto s, unique->GetScalar(i));
            args.push_back(Expr::Literal(s));
          }
          skipping.push_back(Expr::Call("in", args));
          continue;
        }
      }
      ARROW_ASSIGN_OR_RAISE(auto mm, cp::MinMax(valid));
      const auto& st = mm.scalar_as<arrow::StructScalar>();
      if (!st.value[0]->is_valid || !st.value[1]->is_valid) continue;
      skipping.push_back(Expr::Call(">=", {column, Expr::Literal(st.value[0])}));
      skipping.push_back(Expr::Call("<=", {column, Expr::Literal(st.value[1])}));
    }
    return AndAll(skipping);
  }

  arrow::Status Execute(ops::RowLevelWrite& w) {
    const auto start = std::chrono::steady_clock::now();
    w_ = &w;
    ARROW_RETURN_NOT_OK(w.AddColumns(added_columns_));
    target_schema_ = w.schema();
    ARROW_ASSIGN_OR_RAISE(generated_, write::GeneratedColumns::Make(
                                          target_schema_, protocol::SupportsWriterFeature(
                                                              w.snapshot().protocol(), "generatedColumns")));
    ARROW_ASSIGN_OR_RAISE(constraints_,
                          write::ConstraintChecker::Make(w.snapshot().metadata().configuration, target_schema_));
    source_matched_ = std::vector<std::atomic<uint8_t>>(static_cast<size_t>(source_->num_rows()));
    // With deletion vectors, no change data and every UPDATE assigning every column (UPDATE
    // SET * with a source holding the target's columns), old rows are never copied, so only
    // the key and expression columns of the target are read.
    if (!insert_only_ && w.use_dvs() && !w.cdf() && UpdatesAssignEveryColumn()) {
      std::set<std::string> refs;
      for (const auto& k : target_keys_) CollectRefs(k, &refs);
      for (int i : eval_target_) refs.insert(TName(i));
      read_columns_.clear();
      arrow::FieldVector tview;
      for (int i = 0; i < target_schema_->num_fields(); ++i) {
        if (!refs.count(TName(i))) continue;
        read_columns_.push_back(i);
        tview.push_back(target_schema_->field(i)->WithName(TName(i)));
      }
      target_view_ = arrow::schema(tview);
      narrow_read_ = true;
    }
    std::vector<const AddFile*> candidates, todo;
    const auto& files = w.snapshot().files();
    m_.num_target_files_before_skipping += static_cast<int64_t>(files.size());
    if (!skip_all_) {
      ARROW_ASSIGN_OR_RAISE(const auto verdicts, w.ClassifyAll());
      for (size_t i = 0; i < files.size(); ++i) {
        if (verdicts[i] != ops::FileVerdict::kSkip) candidates.push_back(&files[i]);
      }
    }
    ARROW_ASSIGN_OR_RAISE(auto holds, HoldSourceKeys(w.snapshot(), candidates));
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (!holds[i]) continue;
      ++m_.num_target_files_after_skipping;
      w.MarkRead(*candidates[i]);
      todo.push_back(candidates[i]);
    }
    all_columns_.resize(static_cast<size_t>(target_schema_->num_fields()));
    std::iota(all_columns_.begin(), all_columns_.end(), 0);
    // Files are processed in parallel (each streams one batch at a time); the writes, the
    // staged actions and the metrics are shared under locks.
    ARROW_RETURN_NOT_OK(ops::ParallelFor(todo.size(), [&](size_t i) { return ProcessFile(*todo[i]); }));
    if (has_not_matched_) ARROW_RETURN_NOT_OK(InsertUnmatched());
    m_.num_target_rows_updated = m_.num_target_rows_matched_updated + m_.num_target_rows_not_matched_by_source_updated;
    m_.num_target_rows_deleted = m_.num_target_rows_matched_deleted + m_.num_target_rows_not_matched_by_source_deleted;
    m_.num_output_rows = m_.num_target_rows_inserted + m_.num_target_rows_updated + m_.num_copied_rows;
    m_.scan_time_ms = scan_ms_;
    m_.rewrite_time_ms = rewrite_ms_ + copy_ms_;
    std::map<std::string, std::string> params{
        // Spark: a JSON list of the condition's text, like DELETE's and UPDATE's predicate.
        {"predicate", nlohmann::json(nlohmann::json::array({options_.condition->ToString()}).dump()).dump()},
        {"matchedPredicates", ClausesParameter(options_.clauses, IsMatched)},
        {"notMatchedPredicates", ClausesParameter(options_.clauses, IsNotMatched)},
        {"notMatchedBySourcePredicates", ClausesParameter(options_.clauses, IsNotMatchedBySource)}};
    return ops::CommitRowLevel(w, "MERGE", std::move(params), &m_, start, options_.transaction);
  }

  MergeMetrics metrics() const { return m_; }

 private:
  // Resolves clause conditions and values; records the columns they use.
  arrow::Status ResolveClauses(std::set<std::string>* refs) {
    const auto t_alias = util::ToLower(options_.target_alias) + ".";
    for (size_t ci = 0; ci < options_.clauses.size(); ++ci) {
      const auto& c = options_.clauses[ci];
      ResolvedClause rc;
      rc.kind = c.kind;
      rc.values.resize(static_cast<size_t>(target_schema_->num_fields()));
      const int allowed = IsNotMatched(c.kind) ? kSource : IsNotMatchedBySource(c.kind) ? kTarget : kTarget | kSource;
      auto check = [&](int sides, const std::string& what) -> arrow::Status {
        if (sides & ~allowed) {
          return DELTA_ERROR(kInvalidArgument, "MERGE clause ", ci + 1, ": ", what, " refers to ",
                             (sides & kTarget) && !(allowed & kTarget) ? "target" : "source",
                             " columns, which a ",
                             IsNotMatched(c.kind) ? "WHEN NOT MATCHED" : "WHEN NOT MATCHED BY SOURCE",
                             " clause cannot see");
        }
        return arrow::Status::OK();
      };
      if (c.condition) {
        int sides = 0;
        ARROW_ASSIGN_OR_RAISE(rc.condition, resolver_->Resolve(c.condition, &sides));
        ARROW_RETURN_NOT_OK(check(sides, "the condition"));
        CollectRefs(rc.condition, refs);
      }
      if (c.star && !c.assignments.empty()) {
        return DELTA_ERROR(kInvalidArgument, "MERGE clause ", ci + 1, ": * and assignments together");
      }
      if (c.star) {
        if (IsNotMatchedBySource(c.kind)) {
          return DELTA_ERROR(kInvalidArgument, "MERGE clause ", ci + 1, ": NOT MATCHED BY SOURCE cannot UPDATE SET *");
        }
        for (int i = 0; i < target_schema_->num_fields(); ++i) {
          const auto& field = target_schema_->field(i);
          const int si = FindCi(*source_->schema(), field->name());
          if (si < 0) {
            if (IsGenerated(*field) || options_.merge_schema) continue;
            return DELTA_ERROR(kInvalidArgument, "MERGE clause ", ci + 1, ": ",
                               c.kind == MergeClauseKind::kNotMatchedInsert ? "INSERT *" : "UPDATE SET *",
                               " needs source column '", field->name(), "' (the source has none of that name)");
          }
          rc.values[static_cast<size_t>(i)] = Expr::Column({SName(si)});
          refs->insert(SName(si));
        }
      }
      std::set<int> assigned;
      for (const auto& [column, value] : c.assignments) {
        std::string name = column;
        if (util::ToLower(name).rfind(t_alias, 0) == 0) name = name.substr(t_alias.size());
        const int i = FindCi(*target_schema_, name);
        if (i < 0) {
          return DELTA_ERROR(kInvalidArgument, "MERGE clause ", ci + 1, " assigns unknown target column '", column,
                             "'");
        }
        if (!assigned.insert(i).second) {
          return DELTA_ERROR(kInvalidArgument, "MERGE clause ", ci + 1, " assigns column '", column,
                             "' more than once");
        }
        int sides = 0;
        ARROW_ASSIGN_OR_RAISE(auto v, resolver_->Resolve(value, &sides));
        ARROW_RETURN_NOT_OK(check(sides, "the value of " + column));
        rc.values[static_cast<size_t>(i)] = v;
        CollectRefs(v, refs);
      }
      if (c.kind == MergeClauseKind::kMatchedUpdate || c.kind == MergeClauseKind::kNotMatchedBySourceUpdate) {
        // Unassigned columns keep their value: the eval batch needs them only for CDF; they
        // come from the target batch directly.
        if (c.assignments.empty() && !c.star) {
          return DELTA_ERROR(kInvalidArgument, "MERGE clause ", ci + 1, ": UPDATE needs at least one SET");
        }
      }
      resolved_.push_back(std::move(rc));
    }
    return arrow::Status::OK();
  }

  arrow::Status BindClauses() {
    for (const auto& rc : resolved_) {
      CompiledClause cc;
      cc.kind = rc.kind;
      if (rc.condition) {
        ARROW_ASSIGN_OR_RAISE(auto e, ToArrowExpression(*rc.condition, *eval_schema_));
        ARROW_ASSIGN_OR_RAISE(cc.condition, e.Bind(*eval_schema_));
      }
      for (size_t i = 0; i < rc.values.size(); ++i) {
        if (!rc.values[i]) {
          cc.values.emplace_back();
          continue;
        }
        const auto& type = target_schema_->field(static_cast<int>(i))->type();
        ARROW_ASSIGN_OR_RAISE(auto e, ToArrowExpression(*Expr::Cast(rc.values[i], type), *eval_schema_));
        ARROW_ASSIGN_OR_RAISE(e, e.Bind(*eval_schema_));
        cc.values.emplace_back(std::move(e));
      }
      clauses_.push_back(std::move(cc));
    }
    return arrow::Status::OK();
  }

  bool UpdatesAssignEveryColumn() const {
    for (const auto& c : clauses_) {
      if (c.is_delete() || c.kind == MergeClauseKind::kNotMatchedInsert) continue;
      for (int i = 0; i < target_schema_->num_fields(); ++i) {
        if (static_cast<size_t>(i) >= c.values.size()) return false;
        if (!c.values[static_cast<size_t>(i)] && !IsGenerated(*target_schema_->field(i))) return false;
      }
    }
    return true;
  }

  // Evaluates key expressions on a view (internal names) of a batch; casts to `types` when given.
  arrow::Result<std::vector<std::shared_ptr<arrow::Array>>> Keys(const std::vector<ExprPtr>& keys,
                                                                const BatchPtr& view,
                                                                const std::vector<std::shared_ptr<arrow::DataType>>* types) {
    std::vector<std::shared_ptr<arrow::Array>> out;
    for (size_t k = 0; k < keys.size(); ++k) {
      ARROW_ASSIGN_OR_RAISE(auto e, ToArrowExpression(*keys[k], *view->schema()));
      ARROW_ASSIGN_OR_RAISE(e, e.Bind(*view->schema()));
      const std::string what = "MERGE ON " + key_text_[k];
      ARROW_ASSIGN_OR_RAISE(auto d, expr_internal::Evaluate(e, cp::ExecBatch(*view), what));
      ARROW_ASSIGN_OR_RAISE(auto a, ToArray(d, view->num_rows()));
      if (types && !a->type()->Equals((*types)[k])) {
        auto c = cp::Cast(a, (*types)[k]);
        if (!c.ok()) return DELTA_ERROR(kEvaluation, what, ": ", c.status().message());
        a = c->make_array();
      }
      if (types) {
        ARROW_ASSIGN_OR_RAISE(a, NormalizeFloatingKey(a));
      }
      out.push_back(a);
    }
    return out;
  }

  arrow::Status BuildHashTable() {
    auto view = arrow::RecordBatch::Make(source_view_, source_->num_rows(), source_->columns());
    // The target key types decide: evaluate them on an empty target batch.
    arrow::ArrayVector empty;
    for (const auto& f : target_view_->fields()) {
      ARROW_ASSIGN_OR_RAISE(auto a, arrow::MakeEmptyArray(f->type()));
      empty.push_back(a);
    }
    ARROW_ASSIGN_OR_RAISE(auto tkeys, Keys(target_keys_, arrow::RecordBatch::Make(target_view_, 0, empty), nullptr));
    ARROW_ASSIGN_OR_RAISE(auto skeys, Keys(source_keys_, view->Slice(0, 0), nullptr));
    // Both sides are compared in their common type (INT target key vs BIGINT source key:
    // BIGINT), as Spark's comparison does; a source value out of the target's range then
    // simply matches nothing.
    for (size_t k = 0; k < tkeys.size(); ++k) {
      auto common = expr_internal::CommonType(tkeys[k]->type(), skeys[k]->type());
      if (!common) {
        return DELTA_ERROR(kInvalidArgument, "MERGE ON ", key_text_[k], ": cannot compare the target's ",
                           expr_internal::SqlTypeName(*tkeys[k]->type()), " with the source's ",
                           expr_internal::SqlTypeName(*skeys[k]->type()));
      }
      key_types_.push_back(common);
    }
    ARROW_ASSIGN_OR_RAISE(source_key_arrays_, Keys(source_keys_, view, &key_types_));
    const int64_t n = source_->num_rows();
    arrow::BooleanBuilder vb;
    ARROW_RETURN_NOT_OK(vb.Reserve(n));
    std::vector<uint8_t> valid(static_cast<size_t>(n), 1);
    for (size_t k = 0; k < source_key_arrays_.size(); ++k) {
      const auto& a = source_key_arrays_[k];
      if (a->null_count() == 0 || null_safe_[k]) continue;  // <=>: NULL is a key like any other
      for (int64_t i = 0; i < n; ++i) {
        if (a->IsNull(i)) valid[static_cast<size_t>(i)] = 0;
      }
    }
    for (int64_t i = 0; i < n; ++i) {
      vb.UnsafeAppend(valid[static_cast<size_t>(i)] != 0);
      valid_source_rows_ += valid[static_cast<size_t>(i)];
    }
    ARROW_ASSIGN_OR_RAISE(valid_mask_, vb.Finish());
    std::vector<int32_t> ids(static_cast<size_t>(n), -1);
    size_t groups = 0;
    if (key_types_.size() == 1 && IsIntegerKey(*key_types_[0]) && !null_safe_[0]) {
      ARROW_ASSIGN_OR_RAISE(auto keys, AsInt64(source_key_arrays_[0]));
      int_keys_ = std::make_unique<IntKeyTable>(static_cast<size_t>(valid_source_rows_));
      int_keys_->InsertBatch(keys->raw_values(), valid_source_rows_ == n ? nullptr : valid.data(), n, ids.data());
      groups = int_keys_->size();
      int_keys_->FinishFilter();
    } else {
      std::vector<arrow::TypeHolder> types(key_types_.begin(), key_types_.end());
      ARROW_ASSIGN_OR_RAISE(grouper_, cp::Grouper::Make(types));
      std::vector<arrow::Datum> values(source_key_arrays_.begin(), source_key_arrays_.end());
      ARROW_ASSIGN_OR_RAISE(auto batch, cp::ExecBatch::Make(values, n));
      ARROW_ASSIGN_OR_RAISE(auto ids_d, grouper_->Consume(cp::ExecSpan(batch)));
      auto g = std::static_pointer_cast<arrow::UInt32Array>(ids_d.make_array());
      for (int64_t i = 0; i < n; ++i) {
        if (valid[static_cast<size_t>(i)]) ids[static_cast<size_t>(i)] = static_cast<int32_t>(g->Value(i));
      }
      groups = static_cast<size_t>(grouper_->num_groups());
    }
    // Unique source keys (the usual upsert): the row of each group, no offsets.
    if (static_cast<size_t>(valid_source_rows_) == groups) {
      group_rows_.resize(groups);
      for (int64_t i = 0; i < n; ++i) {
        if (ids[static_cast<size_t>(i)] >= 0) group_rows_[static_cast<size_t>(ids[static_cast<size_t>(i)])] = i;
      }
      return arrow::Status::OK();
    }
    group_offsets_.assign(groups + 1, 0);
    for (int64_t i = 0; i < n; ++i) {
      if (ids[static_cast<size_t>(i)] >= 0) ++group_offsets_[static_cast<size_t>(ids[static_cast<size_t>(i)]) + 1];
    }
    for (size_t g = 0; g < groups; ++g) group_offsets_[g + 1] += group_offsets_[g];
    group_rows_.resize(static_cast<size_t>(group_offsets_[groups]));
    auto fill = group_offsets_;
    for (int64_t i = 0; i < n; ++i) {
      const auto g = ids[static_cast<size_t>(i)];
      if (g >= 0) group_rows_[static_cast<size_t>(fill[static_cast<size_t>(g)]++)] = i;
    }
    return arrow::Status::OK();
  }

  // The eval batch for rows: target rows `t` of `target` (null: NULL target columns) and
  // source rows `s` (null: NULL source columns); both index arrays have `n` entries.
  arrow::Result<BatchPtr> EvalBatch(const BatchPtr& target, const std::shared_ptr<arrow::Array>& t,
                                    const std::shared_ptr<arrow::Array>& s, int64_t n) {
    arrow::ArrayVector columns;
    for (int i : eval_target_) {
      if (!target) {
        ARROW_ASSIGN_OR_RAISE(auto a, arrow::MakeArrayOfNull(target_schema_->field(i)->type(), n));
        columns.push_back(a);
        continue;
      }
      const int pos = static_cast<int>(std::find(read_columns_.begin(), read_columns_.end(), i) - read_columns_.begin());
      auto col = target->column(pos);
      if (t) {
        ARROW_ASSIGN_OR_RAISE(auto d, cp::Take(col, t));
        col = d.make_array();
      }
      columns.push_back(col);
    }
    for (int i : eval_source_) {
      if (!s) {
        ARROW_ASSIGN_OR_RAISE(auto a, arrow::MakeArrayOfNull(source_->column(i)->type(), n));
        columns.push_back(a);
        continue;
      }
      ARROW_ASSIGN_OR_RAISE(auto d, cp::Take(source_->column(i), s));
      columns.push_back(d.make_array());
    }
    return arrow::RecordBatch::Make(eval_schema_, n, columns);
  }

  static arrow::Result<std::shared_ptr<arrow::Array>> Indices(const std::vector<int64_t>& v) {
    arrow::Int64Builder b;
    ARROW_RETURN_NOT_OK(b.AppendValues(v));
    return b.Finish();
  }

  // For each row of `eval`, the index of the first clause among `which` whose condition is
  // TRUE, or -1.
  arrow::Result<std::vector<int>> Choose(const arrow::RecordBatch& eval, bool (*which)(MergeClauseKind)) {
    std::vector<int> action(static_cast<size_t>(eval.num_rows()), -1);
    size_t open = action.size();
    for (size_t c = 0; c < clauses_.size() && open > 0; ++c) {
      if (!which(clauses_[c].kind)) continue;
      if (!clauses_[c].condition) {
        for (auto& a : action) {
          if (a < 0) a = static_cast<int>(c);
        }
        break;
      }
      ARROW_ASSIGN_OR_RAISE(auto mask, EvalMask(*clauses_[c].condition, eval));
      for (size_t i = 0; i < action.size(); ++i) {
        if (action[i] < 0 && mask[i]) {
          action[i] = static_cast<int>(c);
          --open;
        }
      }
    }
    return action;
  }

  // New rows (table schema) from clause `c`: values evaluated on `eval`; unassigned columns
  // from `old` (target rows, table schema; null for inserts: NULL). Generated columns not
  // assigned are computed; constraints checked.
  arrow::Result<BatchPtr> NewRows(const CompiledClause& c, const arrow::RecordBatch& eval, const BatchPtr& old) {
    const int64_t n = eval.num_rows();
    arrow::FieldVector fields;
    arrow::ArrayVector columns;
    cp::ExecBatch exec(eval);
    for (int i = 0; i < target_schema_->num_fields(); ++i) {
      const auto& field = target_schema_->field(i);
      const auto& v = c.values[static_cast<size_t>(i)];
      std::shared_ptr<arrow::Array> col;
      if (v) {
        ARROW_ASSIGN_OR_RAISE(auto d, expr_internal::Evaluate(*v, exec, "MERGE: value of column " + field->name()));
        ARROW_ASSIGN_OR_RAISE(col, ToArray(d, n));
      } else if (IsGenerated(*field)) {
        continue;
      } else if (old) {
        col = old->column(i);
      } else {
        ARROW_ASSIGN_OR_RAISE(col, arrow::MakeArrayOfNull(field->type(), n));
      }
      fields.push_back(field);
      columns.push_back(col);
    }
    auto batch = arrow::RecordBatch::Make(arrow::schema(fields), n, columns);
    ARROW_ASSIGN_OR_RAISE(auto conformed, generated_->Conform(*batch, target_schema_));
    ARROW_RETURN_NOT_OK(constraints_->Check(*conformed));
    return conformed;
  }

  // Applies the clauses chosen in `action` (by row of `eval`, target rows `trows` of `target`).
  // Returns the target rows changed (updated or deleted).
  arrow::Status Apply(const std::vector<int>& action, const BatchPtr& eval, const BatchPtr& target,
                      const std::vector<int64_t>& trows, bool matched, std::vector<uint64_t>* changed) {
    for (size_t c = 0; c < clauses_.size(); ++c) {
      std::vector<int64_t> sel;
      for (size_t i = 0; i < action.size(); ++i) {
        if (action[i] == static_cast<int>(c)) sel.push_back(static_cast<int64_t>(i));
      }
      if (sel.empty()) continue;
      const auto& clause = clauses_[c];
      std::vector<int64_t> tsel;
      tsel.reserve(sel.size());
      for (auto i : sel) {
        tsel.push_back(trows[static_cast<size_t>(i)]);
        changed->push_back(static_cast<uint64_t>(trows[static_cast<size_t>(i)]));
      }
      ARROW_ASSIGN_OR_RAISE(auto old, ops::TakeRows(target, tsel));
      const auto n = static_cast<int64_t>(sel.size());
      if (clause.is_delete()) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          (matched ? m_.num_target_rows_matched_deleted : m_.num_target_rows_not_matched_by_source_deleted) += n;
        }
        ARROW_RETURN_NOT_OK(w_->WriteChange(old, "delete"));
        continue;
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        (matched ? m_.num_target_rows_matched_updated : m_.num_target_rows_not_matched_by_source_updated) += n;
      }
      ARROW_ASSIGN_OR_RAISE(auto ev, ops::TakeRows(eval, sel));
      ARROW_ASSIGN_OR_RAISE(auto updated, NewRows(clause, *ev, old));
      ARROW_RETURN_NOT_OK(w_->WriteData(updated));
      ARROW_RETURN_NOT_OK(w_->WriteChange(old, "update_preimage"));
      ARROW_RETURN_NOT_OK(w_->WriteChange(updated, "update_postimage"));
    }
    return arrow::Status::OK();
  }

  // Finer than the [min, max] range of the source keys: with one integer key on a target
  // column, a file whose [min, max] statistics hold none of the source's keys has no match.
  // (Not with NOT MATCHED BY SOURCE clauses: they need every file.) One pass over the keys:
  // each looks for a file not yet hit whose range holds it, in a max-tree over the files
  // ordered by min; it stops once every file is hit (random keys: after a few keys).
  arrow::Result<std::vector<bool>> HoldSourceKeys(const Snapshot& snap, const std::vector<const AddFile*>& files) {
    std::vector<bool> hit(files.size(), true);
    if (has_nmbs_ || !int_keys_ || key_column_.empty()) return hit;
    struct Range {
      int64_t min, max;
      size_t file;
    };
    std::vector<Range> ranges;
    const std::set<std::string> only{util::ToLower(key_column_)};
    for (size_t i = 0; i < files.size(); ++i) {
      auto stats = GetFileStatistics(snap, *files[i], only);
      auto it = stats.columns.find(key_column_);
      if (it == stats.columns.end()) continue;
      auto lo = IntegerStat(it->second.min), hi = IntegerStat(it->second.max);
      if (!lo || !hi) continue;
      ranges.push_back({*lo, *hi, i});
      hit[i] = false;
    }
    if (ranges.empty()) return hit;
    std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.min < b.min; });
    std::vector<int64_t> mins;
    for (const auto& r : ranges) mins.push_back(r.min);
    size_t size = 1;
    while (size < ranges.size()) size <<= 1;
    constexpr int64_t kNone = std::numeric_limits<int64_t>::min();
    std::vector<int64_t> tree(2 * size, kNone);  // max of the ranges' max over files not hit
    for (size_t r = 0; r < ranges.size(); ++r) tree[size + r] = ranges[r].max;
    for (size_t n = size - 1; n >= 1; --n) tree[n] = std::max(tree[2 * n], tree[2 * n + 1]);
    // A range among the first `end` (by min) not hit yet whose max is >= k, or -1.
    std::function<int64_t(size_t, size_t, size_t, size_t, int64_t)> find =
        [&](size_t node, size_t lo, size_t hi, size_t end, int64_t k) -> int64_t {
      if (lo >= end || tree[node] < k) return -1;
      if (hi - lo == 1) return static_cast<int64_t>(lo);
      const size_t mid = (lo + hi) / 2;
      const int64_t left = find(2 * node, lo, mid, end, k);
      return left >= 0 ? left : find(2 * node + 1, mid, hi, end, k);
    };
    ARROW_ASSIGN_OR_RAISE(auto keys, AsInt64(source_key_arrays_[0]));
    size_t remaining = ranges.size();
    for (int64_t i = 0; i < keys->length() && remaining > 0; ++i) {
      if (keys->IsNull(i)) continue;
      const int64_t k = keys->Value(i);
      const auto end = static_cast<size_t>(std::upper_bound(mins.begin(), mins.end(), k) - mins.begin());
      for (int64_t r; (r = find(1, 0, size, end, k)) >= 0;) {
        hit[ranges[static_cast<size_t>(r)].file] = true;
        --remaining;
        size_t n = size + static_cast<size_t>(r);
        tree[n] = kNone;
        for (n >>= 1; n >= 1; n >>= 1) tree[n] = std::max(tree[2 * n], tree[2 * n + 1]);
      }
    }
    return hit;
  }

  // Probes one batch of a target file: the matched pairs (target row in the batch, source
  // row) after the residual, in target-row order, and the eval batch of those pairs.
  arrow::Status Probe(const BatchPtr& target, const std::vector<uint8_t>& dead, std::vector<int64_t>* pt,
                      std::vector<int64_t>* ps, BatchPtr* eval) {
    const int64_t n = target->num_rows();
    auto view = arrow::RecordBatch::Make(target_view_, n, target->columns());
    ARROW_ASSIGN_OR_RAISE(auto keys, Keys(target_keys_, view, &key_types_));
    auto emit = [&](int64_t i, size_t g) {
      if (group_offsets_.empty()) {  // unique keys
        pt->push_back(i);
        ps->push_back(group_rows_[g]);
        return;
      }
      for (int64_t r = group_offsets_[g]; r < group_offsets_[g + 1]; ++r) {
        pt->push_back(i);
        ps->push_back(group_rows_[static_cast<size_t>(r)]);
      }
    };
    if (int_keys_) {
      ARROW_ASSIGN_OR_RAISE(auto k, AsInt64(keys[0]));
      const bool nulls = k->null_count() > 0;
      std::vector<int32_t> groups(static_cast<size_t>(n));
      int_keys_->FindBatch(k->raw_values(), n, groups.data());
      for (int64_t i = 0; i < n; ++i) {
        const int32_t g = groups[static_cast<size_t>(i)];
        if (g < 0 || dead[static_cast<size_t>(i)] || (nulls && k->IsNull(i))) continue;
        emit(i, static_cast<size_t>(g));
      }
    } else {
      std::vector<arrow::Datum> values(keys.begin(), keys.end());
      ARROW_ASSIGN_OR_RAISE(auto kb, cp::ExecBatch::Make(values, n));
      arrow::Result<arrow::Datum> looked_up;
      {
        std::lock_guard<std::mutex> lock(mu_);  // the Grouper is not thread-safe
        looked_up = grouper_->Lookup(cp::ExecSpan(kb));
      }
      ARROW_ASSIGN_OR_RAISE(auto ids_d, std::move(looked_up));
      auto ids = std::static_pointer_cast<arrow::UInt32Array>(ids_d.make_array());
      // A key with a NULL finds only groups without rows: source rows with NULL keys are not
      // in the groups (NULL never matches).
      const uint32_t* raw = ids->raw_values();
      for (int64_t i = 0; i < n; ++i) {
        if (dead[static_cast<size_t>(i)] || ids->IsNull(i)) continue;
        emit(i, raw[i]);
      }
    }
    if (pt->empty()) return arrow::Status::OK();
    ARROW_ASSIGN_OR_RAISE(auto ti, Indices(*pt));
    ARROW_ASSIGN_OR_RAISE(auto si, Indices(*ps));
    ARROW_ASSIGN_OR_RAISE(*eval, EvalBatch(target, ti, si, static_cast<int64_t>(pt->size())));
    if (!residual_) return arrow::Status::OK();
    ARROW_ASSIGN_OR_RAISE(auto mask, EvalMask(*residual_, **eval));
    std::vector<int64_t> keep;
    for (size_t i = 0; i < mask.size(); ++i) {
      if (mask[i]) keep.push_back(static_cast<int64_t>(i));
    }
    if (keep.size() == pt->size()) return arrow::Status::OK();
    std::vector<int64_t> pt2, ps2;
    for (auto i : keep) {
      pt2.push_back((*pt)[static_cast<size_t>(i)]);
      ps2.push_back((*ps)[static_cast<size_t>(i)]);
    }
    pt->swap(pt2);
    ps->swap(ps2);
    ARROW_ASSIGN_OR_RAISE(*eval, ops::TakeRows(*eval, keep));
    return arrow::Status::OK();
  }

  // One target file, streamed batch by batch: matched pairs -> MATCHED clauses, unmatched live
  // rows -> NOT MATCHED BY SOURCE clauses; then the file gets a deletion vector or is rewritten.
  // A rewrite starts at the file's first changed row: from there its kept rows stream to the
  // writer, and the batches before it are read a second time and copied. Memory: one batch,
  // whether or not the file changes (a file that keeps every row is never held).
  arrow::Status ProcessFile(const AddFile& f) {
    const auto start = std::chrono::steady_clock::now();
    const bool copy_rows = !insert_only_ && !w_->use_dvs();
    std::vector<uint64_t> deleted;  // by the file's deletion vector
    std::vector<uint64_t> changed;  // file row indexes, sorted
    bool rewriting = false;
    int64_t num_rows = 0, copy_ms = 0;
    const auto& columns = insert_only_ || narrow_read_ ? read_columns_ : all_columns_;
    ARROW_RETURN_NOT_OK(w_->StreamColumns(f, columns, &deleted, [&](const BatchPtr& target, int64_t offset) {
      const int64_t n = target->num_rows();
      num_rows = offset + n;
      auto dead = ops::RowLevelWrite::Dead(deleted, offset, n);
      std::vector<uint64_t> local;  // rows of this batch changed, sorted
      ARROW_RETURN_NOT_OK(ProcessBatch(f, target, dead, &local));
      for (auto i : local) changed.push_back(static_cast<uint64_t>(offset) + i);
      if (!copy_rows || (!rewriting && local.empty())) return arrow::Status::OK();
      const auto copy_start = std::chrono::steady_clock::now();
      if (!rewriting) {
        rewriting = true;
        if (offset > 0) {
          ARROW_ASSIGN_OR_RAISE(auto copied, w_->CopyPrefix(f, offset, deleted));
          AddCopied(copied);
        }
      }
      ARROW_ASSIGN_OR_RAISE(auto kept, w_->WriteKept(target, dead, local));
      AddCopied(kept);
      copy_ms += ops::MsSince(copy_start);
      return arrow::Status::OK();
    }));
    {
      std::lock_guard<std::mutex> lock(mu_);
      scan_ms_ += ops::MsSince(start) - copy_ms;
      copy_ms_ += copy_ms;
    }
    if (changed.empty()) return arrow::Status::OK();
    auto all_deleted = ops::Union(deleted, changed);
    if (static_cast<int64_t>(all_deleted.size()) == num_rows) {
      w_->Remove(f);
    } else if (w_->use_dvs()) {
      ARROW_RETURN_NOT_OK(w_->ReplaceDeletionVector(f, all_deleted));
    } else {
      w_->Remove(f);  // its kept rows were written above
    }
    return arrow::Status::OK();
  }

  void AddCopied(int64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    m_.num_copied_rows += n;
  }

  // One batch of a target file: sets source_matched_, applies the clauses and returns in
  // `changed` the batch rows updated or deleted (sorted).
  arrow::Status ProcessBatch(const AddFile& f, const BatchPtr& target, const std::vector<uint8_t>& dead,
                             std::vector<uint64_t>* changed) {
    const int64_t n = target->num_rows();
    std::vector<int64_t> pt, ps;
    BatchPtr eval;
    ARROW_RETURN_NOT_OK(Probe(target, dead, &pt, &ps, &eval));
    for (auto s : ps) source_matched_[static_cast<size_t>(s)].store(1, std::memory_order_relaxed);
    if (insert_only_) return arrow::Status::OK();
    // Cardinality: pairs are in target-row order. As Spark: an error for any merge that is
    // not insert-only, unless its one MATCHED clause is an unconditional DELETE.
    bool multiple = false;
    for (size_t i = 1; i < pt.size() && !multiple; ++i) multiple = pt[i] == pt[i - 1];
    if (multiple) {
      if (!one_unconditional_delete_) {
        return DELTA_ERROR(kMergeCardinality, "MERGE: several source rows matched the same target row of ",
                           f.path, ": the merge is ambiguous; make the source unique per ON key");
      }
      std::vector<int64_t> keep, pt2;
      for (size_t i = 0; i < pt.size(); ++i) {
        if (i == 0 || pt[i] != pt[i - 1]) {
          keep.push_back(static_cast<int64_t>(i));
          pt2.push_back(pt[i]);
        }
      }
      pt.swap(pt2);
      ARROW_ASSIGN_OR_RAISE(eval, ops::TakeRows(eval, keep));
    }
    if (has_matched_ && !pt.empty()) {
      ARROW_ASSIGN_OR_RAISE(auto action, Choose(*eval, IsMatched));
      ARROW_RETURN_NOT_OK(Apply(action, eval, target, pt, /*matched=*/true, changed));
    }
    if (has_nmbs_) {
      std::vector<uint8_t> has_match(static_cast<size_t>(n), 0);
      for (auto t : pt) has_match[static_cast<size_t>(t)] = 1;
      std::vector<int64_t> unmatched;
      for (int64_t i = 0; i < n; ++i) {
        if (!dead[static_cast<size_t>(i)] && !has_match[static_cast<size_t>(i)]) unmatched.push_back(i);
      }
      if (!unmatched.empty()) {
        ARROW_ASSIGN_OR_RAISE(auto ti, Indices(unmatched));
        ARROW_ASSIGN_OR_RAISE(auto ev, EvalBatch(target, ti, nullptr, static_cast<int64_t>(unmatched.size())));
        ARROW_ASSIGN_OR_RAISE(auto action, Choose(*ev, IsNotMatchedBySource));
        ARROW_RETURN_NOT_OK(Apply(action, ev, target, unmatched, /*matched=*/false, changed));
      }
    }
    if (!std::is_sorted(changed->begin(), changed->end())) std::sort(changed->begin(), changed->end());
    return arrow::Status::OK();
  }

  arrow::Status InsertUnmatched() {
    const auto start = std::chrono::steady_clock::now();
    std::vector<int64_t> rows;
    const int64_t n = source_->num_rows();
    constexpr int64_t kChunk = 64 * 1024;
    for (int64_t i = 0; i <= n; ++i) {
      if (i < n && !source_matched_[static_cast<size_t>(i)].load(std::memory_order_relaxed)) rows.push_back(i);
      if ((i == n || static_cast<int64_t>(rows.size()) == kChunk) && !rows.empty()) {
        ARROW_ASSIGN_OR_RAISE(auto si, Indices(rows));
        ARROW_ASSIGN_OR_RAISE(auto ev, EvalBatch(nullptr, nullptr, si, static_cast<int64_t>(rows.size())));
        ARROW_ASSIGN_OR_RAISE(auto action, Choose(*ev, IsNotMatched));
        for (size_t c = 0; c < clauses_.size(); ++c) {
          std::vector<int64_t> sel;
          for (size_t k = 0; k < action.size(); ++k) {
            if (action[k] == static_cast<int>(c)) sel.push_back(static_cast<int64_t>(k));
          }
          if (sel.empty()) continue;
          ARROW_ASSIGN_OR_RAISE(auto sub, ops::TakeRows(ev, sel));
          ARROW_ASSIGN_OR_RAISE(auto inserted, NewRows(clauses_[c], *sub, nullptr));
          m_.num_target_rows_inserted += inserted->num_rows();
          ARROW_RETURN_NOT_OK(w_->WriteData(inserted));
          ARROW_RETURN_NOT_OK(w_->WriteChange(inserted, "insert"));
        }
        rows.clear();
      }
    }
    rewrite_ms_ += ops::MsSince(start);
    return arrow::Status::OK();
  }

  struct ResolvedClause {
    MergeClauseKind kind;
    ExprPtr condition;
    std::vector<ExprPtr> values;
  };

  const MergeOptions& options_;
  BatchPtr source_;
  MergeMetrics m_;
  std::shared_ptr<arrow::Schema> target_schema_;
  std::unique_ptr<Resolver> resolver_;
  bool has_matched_ = false, has_not_matched_ = false, has_nmbs_ = false;
  bool insert_only_ = false, one_unconditional_delete_ = false, skip_all_ = false;
  bool narrow_read_ = false;  // only key / expression columns of the target are read
  arrow::FieldVector added_columns_;
  std::vector<ExprPtr> target_keys_, source_keys_;
  std::vector<bool> null_safe_;  // per key: compared with <=> (NULL matches NULL)
  std::vector<std::string> key_text_;  // per key: the ON conjunct as written (for errors)
  ExprPtr residual_expr_;
  std::optional<cp::Expression> residual_;
  std::vector<ResolvedClause> resolved_;
  std::vector<CompiledClause> clauses_;
  std::vector<int> eval_target_, eval_source_, read_columns_, all_columns_;
  std::shared_ptr<arrow::Schema> eval_schema_, target_view_, source_view_;
  std::vector<std::shared_ptr<arrow::DataType>> key_types_;
  std::vector<std::shared_ptr<arrow::Array>> source_key_arrays_;
  std::shared_ptr<arrow::Array> valid_mask_;
  int64_t valid_source_rows_ = 0;
  std::unique_ptr<cp::Grouper> grouper_;   // keys in general
  std::unique_ptr<IntKeyTable> int_keys_;  // one integer key
  std::string key_column_;                 // its target column, when the key is one
  // Source rows by group: group_rows_[group_offsets_[g] ..< group_offsets_[g + 1]], or with
  // unique keys (group_offsets_ empty) the one row group_rows_[g].
  std::vector<int64_t> group_offsets_, group_rows_;
  std::vector<std::atomic<uint8_t>> source_matched_;
  std::mutex mu_;  // m_ and the timings while files are processed in parallel; grouper_ lookups
  ops::RowLevelWrite* w_ = nullptr;
  std::optional<write::GeneratedColumns> generated_;
  std::optional<write::ConstraintChecker> constraints_;
  int64_t scan_ms_ = 0, rewrite_ms_ = 0;
  int64_t copy_ms_ = 0;  // writing the kept rows of rewritten files (rewrite time, not scan time)
};

}  // namespace

std::map<std::string, int64_t> MergeMetrics::SparkMetrics() const {
  std::map<std::string, int64_t> m{{"numSourceRows", num_source_rows},
          {"numTargetRowsInserted", num_target_rows_inserted},
          {"numTargetRowsUpdated", num_target_rows_updated},
          {"numTargetRowsMatchedUpdated", num_target_rows_matched_updated},
          {"numTargetRowsNotMatchedBySourceUpdated", num_target_rows_not_matched_by_source_updated},
          {"numTargetRowsDeleted", num_target_rows_deleted},
          {"numTargetRowsMatchedDeleted", num_target_rows_matched_deleted},
          {"numTargetRowsNotMatchedBySourceDeleted", num_target_rows_not_matched_by_source_deleted},
          {"numTargetRowsCopied", num_copied_rows},
          {"numOutputRows", num_output_rows},
          {"numTargetFilesAdded", num_added_files},
          {"numTargetFilesRemoved", num_removed_files},
          {"numTargetChangeFilesAdded", num_added_change_files},
          {"numTargetBytesAdded", num_added_bytes},
          {"numTargetBytesRemoved", num_removed_bytes},
          {"numTargetDeletionVectorsAdded", num_deletion_vectors_added},
          {"numTargetDeletionVectorsRemoved", num_deletion_vectors_removed},
          {"numTargetDeletionVectorsUpdated", num_deletion_vectors_updated},
          {"executionTimeMs", execution_time_ms},
          {"scanTimeMs", scan_time_ms},
          {"rewriteTimeMs", rewrite_time_ms},
          {"materializeSourceTimeMs", materialize_source_time_ms}};
  return m;
}

arrow::Result<MergeMetrics> Merge(const std::string& uri, std::shared_ptr<arrow::RecordBatchReader> source,
                                  const MergeOptions& options) {
  if (!source) return DELTA_ERROR(kInvalidArgument, "MERGE needs a source");
  const auto start = std::chrono::steady_clock::now();
  ARROW_ASSIGN_OR_RAISE(auto table, source->ToTable());
  ARROW_ASSIGN_OR_RAISE(auto batch, table->CombineChunksToBatch());
  table.reset();
  MergeRun run(options, std::move(batch), ops::MsSince(start));
  ARROW_ASSIGN_OR_RAISE(auto w, ops::RowLevelWrite::Begin(uri, options.use_deletion_vectors,
                                                          options.inline_dv_max_bytes,
                                                          [&](const Snapshot& s) { return run.Plan(s); }));
  auto st = run.Execute(*w);
  if (!st.ok()) {
    w->Cleanup();
    return st;
  }
  return run.metrics();
}

MergeBuilder::MergeBuilder(std::string uri, std::shared_ptr<arrow::RecordBatchReader> source, std::string condition)
    : uri_(std::move(uri)), source_(std::move(source)), condition_(std::move(condition)) {}

MergeBuilder& MergeBuilder::WithSourceAlias(std::string alias) {
  source_alias_ = std::move(alias);
  return *this;
}
MergeBuilder& MergeBuilder::WithTargetAlias(std::string alias) {
  target_alias_ = std::move(alias);
  return *this;
}
MergeBuilder& MergeBuilder::WhenMatchedUpdate(std::vector<std::pair<std::string, std::string>> set,
                                              std::string condition) {
  clauses_.push_back({MergeClauseKind::kMatchedUpdate, std::move(condition), std::move(set), false});
  return *this;
}
MergeBuilder& MergeBuilder::WhenMatchedUpdateAll(std::string condition) {
  clauses_.push_back({MergeClauseKind::kMatchedUpdate, std::move(condition), {}, true});
  return *this;
}
MergeBuilder& MergeBuilder::WhenMatchedDelete(std::string condition) {
  clauses_.push_back({MergeClauseKind::kMatchedDelete, std::move(condition), {}, false});
  return *this;
}
MergeBuilder& MergeBuilder::WhenNotMatchedInsert(std::vector<std::pair<std::string, std::string>> values,
                                                 std::string condition) {
  clauses_.push_back({MergeClauseKind::kNotMatchedInsert, std::move(condition), std::move(values), false});
  return *this;
}
MergeBuilder& MergeBuilder::WhenNotMatchedInsertAll(std::string condition) {
  clauses_.push_back({MergeClauseKind::kNotMatchedInsert, std::move(condition), {}, true});
  return *this;
}
MergeBuilder& MergeBuilder::WhenNotMatchedBySourceUpdate(std::vector<std::pair<std::string, std::string>> set,
                                                         std::string condition) {
  clauses_.push_back({MergeClauseKind::kNotMatchedBySourceUpdate, std::move(condition), std::move(set), false});
  return *this;
}
MergeBuilder& MergeBuilder::WhenNotMatchedBySourceDelete(std::string condition) {
  clauses_.push_back({MergeClauseKind::kNotMatchedBySourceDelete, std::move(condition), {}, false});
  return *this;
}
MergeBuilder& MergeBuilder::WithSchemaEvolution(bool on) {
  merge_schema_ = on;
  return *this;
}
MergeBuilder& MergeBuilder::WithDeletionVectors(bool on) {
  use_dvs_ = on;
  return *this;
}
MergeBuilder& MergeBuilder::WithTransactionOptions(TransactionOptions options) {
  transaction_ = std::move(options);
  return *this;
}

arrow::Result<MergeOptions> MergeBuilder::Options() const {
  MergeOptions o;
  ARROW_ASSIGN_OR_RAISE(o.condition, ParseExpression(condition_));
  o.source_alias = source_alias_;
  o.target_alias = target_alias_;
  o.merge_schema = merge_schema_;
  o.use_deletion_vectors = use_dvs_;
  o.transaction = transaction_;
  for (size_t i = 0; i < clauses_.size(); ++i) {
    const auto& p = clauses_[i];
    MergeClause c;
    c.kind = p.kind;
    c.star = p.star;
    if (!p.condition.empty()) {
      auto e = ParseExpression(p.condition);
      if (!e.ok()) return e.status().WithMessage("MERGE clause ", i + 1, " condition: ", e.status().message());
      c.condition = *e;
    }
    for (const auto& [column, text] : p.assignments) {
      auto e = ParseExpression(text);
      if (!e.ok()) {
        return e.status().WithMessage("MERGE clause ", i + 1, " value of ", column, ": ", e.status().message());
      }
      c.assignments.emplace_back(column, *e);
    }
    o.clauses.push_back(std::move(c));
  }
  return o;
}

arrow::Result<std::vector<MergeClause>> ParseMergeClauses(std::string_view text) {
  return ops::ParseMergeClauses(text);
}

arrow::Result<MergeMetrics> MergeBuilder::Execute() {
  ARROW_ASSIGN_OR_RAISE(auto o, Options());
  return Merge(uri_, source_, o);
}

}  // namespace delta
