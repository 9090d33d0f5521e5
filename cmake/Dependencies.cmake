# Every third-party library Retain uses, all from Debian 12 (scripts/bootstrap installs them).
# ARCHITECTURE.md gives the reason each was chosen.
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(tl-expected REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(date REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(CURL REQUIRED)
find_package(tomlplusplus 3 REQUIRED)
find_package(NLopt 2.7 REQUIRED)
# libxgboost-dev's CMake config also names the xgboost command-line program, which lives in
# another package; the library and its C API header are all Retain needs, so find them directly.
find_library(RETAIN_XGBOOST_LIBRARY xgboost REQUIRED)
find_path(RETAIN_XGBOOST_INCLUDE_DIR xgboost/c_api.h REQUIRED)
add_library(xgboost::xgboost UNKNOWN IMPORTED)
set_target_properties(xgboost::xgboost PROPERTIES IMPORTED_LOCATION ${RETAIN_XGBOOST_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${RETAIN_XGBOOST_INCLUDE_DIR})
# Outreach: ICU formats numbers, money, dates and plurals per language; cairo and pango draw
# letters as PDF; kainjow's mustache is one header.
find_package(ICU 72 REQUIRED COMPONENTS uc i18n)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PANGOCAIRO REQUIRED IMPORTED_TARGET pangocairo cairo-pdf fontconfig)
find_path(RETAIN_MUSTACHE_INCLUDE_DIR kainjow/mustache.hpp REQUIRED)
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS headers)
if(RETAIN_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
