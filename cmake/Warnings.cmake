# retain::warnings: the warning flags every Retain target compiles with.
add_library(retain_warnings INTERFACE)
add_library(retain::warnings ALIAS retain_warnings)
target_compile_options(retain_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wconversion -Wsign-conversion -Wimplicit-fallthrough
  $<$<BOOL:${RETAIN_WARNINGS_AS_ERRORS}>:-Werror>)
