# retain::sanitizers: compile and link flags for the sanitizers named in RETAIN_SANITIZE.
add_library(retain_sanitizers INTERFACE)
add_library(retain::sanitizers ALIAS retain_sanitizers)
if(RETAIN_SANITIZE)
  list(JOIN RETAIN_SANITIZE "," _retain_sanitizers)
  # A finding stops the program (a test that only printed one would pass).
  target_compile_options(retain_sanitizers INTERFACE -fsanitize=${_retain_sanitizers} -fno-omit-frame-pointer
                                                     -fno-sanitize-recover=all)
  target_link_options(retain_sanitizers INTERFACE -fsanitize=${_retain_sanitizers})
  if("thread" IN_LIST RETAIN_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # Boost.Asio's handler completion ends with a std::atomic_thread_fence, which GCC warns
    # ThreadSanitizer does not model. The handoffs it guards also go through the io_context's
    # mutex, which ThreadSanitizer does see, so the warning is noise here.
    target_compile_options(retain_sanitizers INTERFACE -Wno-tsan)
  endif()
endif()
