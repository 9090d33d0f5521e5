// Expected failures as values: Result<T> holds either a T or an Error.
//
// Error codes are protocol-free; cli/exit_codes.cc maps them to exit codes (and the server maps
// them to HTTP statuses in one place). Exceptions are reserved for programmer errors.
#ifndef RETAIN_COMMON_STATUS_H_
#define RETAIN_COMMON_STATUS_H_

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace retain {

enum class ErrorCode {
  kInvalidArgument,     // the input is malformed; the message names the field or line
  kNotFound,            // a referenced record does not exist
  kConflict,            // the request contradicts stored state (e.g. a duplicate)
  kUnauthenticated,     // the caller did not say who they are, or the credentials are wrong
  kPermissionDenied,    // the caller may not do this
  kFailedPrecondition,  // the system is not in a state that allows this (e.g. schema too new)
  kUnavailable,         // a dependency (database, network) cannot be reached; retrying may help
  kInternal,            // a bug or an unexpected failure of a dependency
};

// Returns the lower-case snake name of `code` ("invalid_argument", ...). Never fails.
std::string_view ErrorCodeName(ErrorCode code);

// An expected failure. `field` names the offending input field when there is one.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;

  // "field: message" when a field is set, else the message.
  std::string ToString() const;
};

template <typename T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message,
                                       std::string field = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(field)});
}
inline tl::unexpected<Error> InvalidArgument(std::string message, std::string field = {}) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), std::move(field));
}
inline tl::unexpected<Error> NotFound(std::string message, std::string field = {}) {
  return MakeError(ErrorCode::kNotFound, std::move(message), std::move(field));
}
inline tl::unexpected<Error> Conflict(std::string message, std::string field = {}) {
  return MakeError(ErrorCode::kConflict, std::move(message), std::move(field));
}
inline tl::unexpected<Error> Unauthenticated(std::string message) {
  return MakeError(ErrorCode::kUnauthenticated, std::move(message));
}
inline tl::unexpected<Error> PermissionDenied(std::string message) {
  return MakeError(ErrorCode::kPermissionDenied, std::move(message));
}
inline tl::unexpected<Error> FailedPrecondition(std::string message) {
  return MakeError(ErrorCode::kFailedPrecondition, std::move(message));
}
inline tl::unexpected<Error> Unavailable(std::string message) {
  return MakeError(ErrorCode::kUnavailable, std::move(message));
}
inline tl::unexpected<Error> Internal(std::string message) {
  return MakeError(ErrorCode::kInternal, std::move(message));
}

inline Status Ok() { return {}; }

}  // namespace retain

#define RETAIN_CONCAT_INNER_(a, b) a##b
#define RETAIN_CONCAT_(a, b) RETAIN_CONCAT_INNER_(a, b)

// Evaluates `expr` (a Result or Status); on failure returns its error from the enclosing function.
#define RETAIN_RETURN_IF_ERROR(expr)                                  \
  do {                                                                \
    auto&& retain_status_ = (expr);                                   \
    if (!retain_status_) return tl::unexpected(retain_status_.error()); \
  } while (0)

// Evaluates `expr` (a Result<T>); on failure returns its error, else moves the value into `lhs`.
#define RETAIN_ASSIGN_OR_RETURN(lhs, expr) \
  RETAIN_ASSIGN_OR_RETURN_IMPL_(RETAIN_CONCAT_(retain_result_, __LINE__), lhs, expr)
#define RETAIN_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)         \
  auto tmp = (expr);                                          \
  if (!tmp) return tl::unexpected(std::move(tmp).error());    \
  lhs = std::move(*tmp)

#endif  // RETAIN_COMMON_STATUS_H_
