# retain::warnings: the warning flags every Retain target compiles with.
add_library(retain_warnings INTERFACE)
add_library(retain::warnings ALIAS retain_warnings)
target_compile_options(retain_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wconversion -Wsign-conversion -Wimplicit-fallthrough
  $<$<BOOL:${RETAIN_WARNINGS_AS_ERRORS}>:-Werror>)
if(CMAKE_UNITY_BUILD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # A unity build (the sanitizer presets use one to build in a third of the time) includes each .cc
  # into a generated file, so GCC takes a class defined in a .cc with a member from its anonymous
  # namespace for one in a header; in a .cc that is what the anonymous namespace is for.
  target_compile_options(retain_warnings INTERFACE -Wno-subobject-linkage)
endif()
