# Locates Apache Arrow C++ (with Parquet, compute, Acero and dataset) and defines the
# interface target delta::arrow.
#
# 1. A system Arrow (Arrow's own CMake packages) is preferred: find_package(Arrow ...).
# 2. Otherwise the Arrow C++ bundled in the pinned pyarrow wheel of the project virtualenv
#    (scripts/bootstrap.sh installs it) is used: pyarrow.get_include() and
#    pyarrow.get_library_dirs(), after pyarrow.create_library_symlinks().
# Under pip (scikit-build-core) the interpreter doing the build is the one whose pyarrow the
# extension must match.
if(DEFINED SKBUILD AND DEFINED Python_EXECUTABLE)
  set(_delta_default_python "${Python_EXECUTABLE}")
else()
  set(_delta_default_python "${CMAKE_CURRENT_SOURCE_DIR}/.venv/bin/python")
endif()
set(DELTA_PYTHON "${_delta_default_python}" CACHE FILEPATH
    "Python interpreter whose pyarrow provides Arrow C++ when no system Arrow exists")
option(DELTA_USE_SYSTEM_ARROW "Try a system Arrow C++ before the pyarrow wheel" ON)

add_library(delta_arrow INTERFACE)
add_library(delta::arrow ALIAS delta_arrow)

set(_delta_found_system_arrow OFF)
if(DELTA_USE_SYSTEM_ARROW)
  find_package(Arrow CONFIG QUIET)
  find_package(Parquet CONFIG QUIET)
  find_package(ArrowDataset CONFIG QUIET)
  find_package(ArrowAcero CONFIG QUIET)
  if(Arrow_FOUND AND Parquet_FOUND AND ArrowDataset_FOUND AND ArrowAcero_FOUND)
    set(_delta_found_system_arrow ON)
    message(STATUS "deltacpp: using system Arrow ${Arrow_VERSION}")
    target_link_libraries(delta_arrow INTERFACE
      ArrowDataset::arrow_dataset_shared ArrowAcero::arrow_acero_shared
      Parquet::parquet_shared Arrow::arrow_shared)
    if(TARGET ArrowCompute::arrow_compute_shared)
      target_link_libraries(delta_arrow INTERFACE ArrowCompute::arrow_compute_shared)
    endif()
  endif()
endif()

if(NOT _delta_found_system_arrow)
  if(NOT EXISTS "${DELTA_PYTHON}")
    message(FATAL_ERROR "deltacpp: no system Arrow and no ${DELTA_PYTHON}; run scripts/bootstrap.sh")
  endif()
  execute_process(
    COMMAND "${DELTA_PYTHON}" -c
      "import pyarrow as pa; print(pa.__version__); print(pa.get_include()); print(pa.get_library_dirs()[0])"
    OUTPUT_VARIABLE _pa_out RESULT_VARIABLE _pa_rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _pa_rc EQUAL 0)
    message(FATAL_ERROR "deltacpp: ${DELTA_PYTHON} cannot import pyarrow; run scripts/bootstrap.sh")
  endif()
  string(REPLACE "\n" ";" _pa_lines "${_pa_out}")
  list(GET _pa_lines 0 DELTA_ARROW_VERSION)
  list(GET _pa_lines 1 DELTA_ARROW_INCLUDE)
  list(GET _pa_lines 2 DELTA_ARROW_LIBDIR)
  message(STATUS "deltacpp: using Arrow C++ ${DELTA_ARROW_VERSION} from pyarrow at ${DELTA_ARROW_LIBDIR}")
  set(_libs arrow_dataset arrow_acero parquet arrow_compute arrow)
  foreach(_l IN LISTS _libs)
    if(EXISTS "${DELTA_ARROW_LIBDIR}/lib${_l}.so")
      target_link_libraries(delta_arrow INTERFACE "${DELTA_ARROW_LIBDIR}/lib${_l}.so")
    endif()
  endforeach()
  # The wheel builds S3 as a loadable filesystem module; the location resolver loads it on
  # first use of an s3:// URI.
  if(EXISTS "${DELTA_ARROW_LIBDIR}/libarrow_s3.so")
    target_compile_definitions(delta_arrow INTERFACE
      DELTA_ARROW_S3_MODULE="${DELTA_ARROW_LIBDIR}/libarrow_s3.so")
  endif()
  # Arrow headers are third-party: keep their warnings out of -Werror.
  target_include_directories(delta_arrow SYSTEM INTERFACE "${DELTA_ARROW_INCLUDE}")
  # Binaries of the build tree find the wheel's libraries by absolute rpath. Not the Python
  # extension built by pip: it must load the pyarrow of the environment it is installed in
  # (python/CMakeLists.txt gives it $ORIGIN/../pyarrow).
  if(NOT DEFINED SKBUILD)
    target_link_options(delta_arrow INTERFACE "-Wl,-rpath,${DELTA_ARROW_LIBDIR}")
  endif()
endif()
