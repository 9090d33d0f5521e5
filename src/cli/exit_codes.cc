#include "cli/cli.h"

namespace retain::cli {

int ExitCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 2;
    case ErrorCode::kNotFound: return 4;
    case ErrorCode::kConflict: return 5;
    case ErrorCode::kUnauthenticated: return 6;
    case ErrorCode::kPermissionDenied: return 6;
    case ErrorCode::kFailedPrecondition: return 7;
    case ErrorCode::kUnavailable: return 8;
    case ErrorCode::kInternal: return 1;
  }
  return 1;
}

}  // namespace retain::cli
