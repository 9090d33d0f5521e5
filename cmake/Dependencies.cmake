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
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS headers)
if(RETAIN_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
