#include "util/compute_init.h"

#include <cstdint>
#include <memory>

#include <arrow/compute/api.h>
#include <arrow/compute/initialize.h>
#include <arrow/compute/kernel.h>
#include <arrow/compute/registry.h>
#include <libdivide.h>

namespace delta::util {
namespace {

namespace cp = arrow::compute;

template <typename T>
T ValueOf(const arrow::Scalar& s) {
  return static_cast<const arrow::NumericScalar<typename arrow::CTypeTraits<T>::ArrowType>&>(s).value;
}

// Values only: the executor computes the validity bitmap (NullHandling::INTERSECTION), and a
// null slot's value is whatever the input held there, reduced the same way.
template <typename T>
arrow::Status RemainderByConstant(cp::KernelContext*, const cp::ExecSpan& batch, cp::ExecResult* out) {
  if (!batch[1].is_scalar()) {
    return arrow::Status::Invalid(kRemainderByConstant, " needs a scalar divisor");
  }
  const arrow::Scalar& ds = *batch[1].scalar;
  arrow::ArraySpan* o = out->array_span_mutable();
  T* dst = o->GetValues<T>(1);
  if (!ds.is_valid) {  // the result is all null; its values are not read
    std::fill(dst, dst + o->length, T{0});
    return arrow::Status::OK();
  }
  const T d = ValueOf<T>(ds);
  if (d == 0 || d == 1 || d == -1) {
    return arrow::Status::Invalid(kRemainderByConstant, " needs |divisor| >= 2, got ", d);
  }
  const libdivide::branchfree_divider<T> by(d);
  if (batch[0].is_scalar()) {
    const arrow::Scalar& xs = *batch[0].scalar;
    const T x = xs.is_valid ? ValueOf<T>(xs) : T{0};
    std::fill(dst, dst + o->length, static_cast<T>(x - (x / by) * d));
    return arrow::Status::OK();
  }
  const T* src = batch[0].array.GetValues<T>(1);
  for (int64_t i = 0; i < o->length; ++i) {
    const T x = src[i];
    dst[i] = static_cast<T>(x - (x / by) * d);
  }
  return arrow::Status::OK();
}

const cp::FunctionDoc kRemainderDoc{
    "Remainder of integer division by a constant",
    "x % d (truncating; the result has the sign of x) for a scalar divisor with |d| >= 2.",
    {"x", "d"}};

arrow::Status RegisterKernels(cp::FunctionRegistry* registry) {
  auto fn = std::make_shared<cp::ScalarFunction>(kRemainderByConstant, cp::Arity::Binary(), kRemainderDoc);
  auto add = [&](const std::shared_ptr<arrow::DataType>& type, cp::ArrayKernelExec exec) {
    cp::ScalarKernel k({type, type}, type, exec);
    k.null_handling = cp::NullHandling::INTERSECTION;
    k.mem_allocation = cp::MemAllocation::PREALLOCATE;
    return fn->AddKernel(std::move(k));
  };
  ARROW_RETURN_NOT_OK(add(arrow::int32(), RemainderByConstant<int32_t>));
  ARROW_RETURN_NOT_OK(add(arrow::int64(), RemainderByConstant<int64_t>));
  return registry->AddFunction(std::move(fn), /*allow_overwrite=*/true);
}

}  // namespace

arrow::Status EnsureComputeInitialized() {
  static const arrow::Status status = [] {
    ARROW_RETURN_NOT_OK(cp::Initialize());
    return RegisterKernels(cp::GetFunctionRegistry());
  }();
  return status;
}

}  // namespace delta::util
