#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include <fmt/format.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "common/crypto.h"
#include "staff/roles.h"

namespace retain::cli {
namespace {


// A password from stdin (--password-stdin), typed twice at a terminal, or made up and printed.
Result<std::string> ObtainPassword(bool from_stdin, bool* generated) {
  *generated = false;
  if (from_stdin) {
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() < 10) return InvalidArgument("must be at least 10 characters", "password");
    return line;
  }
  if (::isatty(STDIN_FILENO) == 1) {
    auto read_hidden = [](const char* prompt) {
      std::cerr << prompt << std::flush;
      termios old{};
      tcgetattr(STDIN_FILENO, &old);
      termios quiet = old;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
      std::string line;
      std::getline(std::cin, line);
      tcsetattr(STDIN_FILENO, TCSANOW, &old);
      std::cerr << "\n";
      return line;
    };
    std::string a = read_hidden("Password (10 characters or more): ");
    std::string b = read_hidden("Again: ");
    if (a != b) return InvalidArgument("the two passwords differ", "password");
    if (a.size() < 10) return InvalidArgument("must be at least 10 characters", "password");
    return a;
  }
  *generated = true;
  return RandomHex(8);
}

}  // namespace

Result<int> RunUser(Context& ctx) {
  std::string name, role = "agent", display, locale = "en";
  bool password_stdin = false;
  auto app = NewParser("user", "Manage staff accounts.", ctx);
  app->require_subcommand(1);
  auto* add = app->add_subcommand("add", "Create an account (prints a password when none is given)");
  add->add_option("name", name, "Username")->required();
  add->add_option("--role", role, "agent, supervisor, marketing, analyst or admin")->capture_default_str();
  add->add_option("--display-name", display, "Name shown in the web app");
  add->add_option("--locale", locale, "en, pt or da")->capture_default_str();
  add->add_flag("--password-stdin", password_stdin, "Read the password from the first line of stdin");
  auto* list = app->add_subcommand("list", "List accounts");
  auto* password = app->add_subcommand("password", "Set a new password (prints one when none is given)");
  password->add_option("name", name, "Username")->required();
  password->add_flag("--password-stdin", password_stdin, "Read the password from the first line of stdin");
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;

  RETAIN_ASSIGN_OR_RETURN(auto staff_store, ctx.services->open_staff(ctx.config.db));
  RETAIN_ASSIGN_OR_RETURN(auto records, ctx.services->open_store(ctx.config.db));
  if (list->parsed()) {
    RETAIN_ASSIGN_OR_RETURN(auto users, staff_store->ListUsers());
    for (const auto& u : users) {
      std::cout << fmt::format("{:<20} {:<11} {:<3} {}{}\n", u.username, staff::RoleName(u.role), u.locale,
                               u.display_name, u.active ? "" : " (disabled)");
    }
    if (users.empty()) std::cout << "no accounts yet; create one with: retain user add NAME --role admin\n";
    return 0;
  }
  bool generated = false;
  if (add->parsed()) {
    staff::User u;
    u.username = name;
    RETAIN_ASSIGN_OR_RETURN(u.role, staff::ParseRole(role));
    if (locale != "en" && locale != "pt" && locale != "da") return InvalidArgument("use en, pt or da", "locale");
    u.locale = locale;
    u.display_name = display.empty() ? name : display;
    RETAIN_ASSIGN_OR_RETURN(auto pw, ObtainPassword(password_stdin, &generated));
    RETAIN_ASSIGN_OR_RETURN(u.password_hash, HashPassword(pw));
    RETAIN_RETURN_IF_ERROR(staff_store->CreateUser(u));
    RETAIN_RETURN_IF_ERROR(records->AppendAudit({Now(), "cli", "user.created", "users", name, "null",
                                                 fmt::format(R"({{"username":"{}","role":"{}"}})", name, role)}));
    std::cout << fmt::format("created {} ({})\n", name, role);
    if (generated) std::cout << fmt::format("password: {}\n", pw);
    return 0;
  }
  RETAIN_ASSIGN_OR_RETURN(auto user, staff_store->FindUser(name));
  if (!user) return NotFound("no account '" + name + "'", "name");
  RETAIN_ASSIGN_OR_RETURN(auto pw, ObtainPassword(password_stdin, &generated));
  RETAIN_ASSIGN_OR_RETURN(user->password_hash, HashPassword(pw));
  RETAIN_RETURN_IF_ERROR(staff_store->UpdateUser(*user));
  RETAIN_RETURN_IF_ERROR(records->AppendAudit({Now(), "cli", "user.password_set", "users", name, "null", "null"}));
  std::cout << fmt::format("new password set for {}\n", name);
  if (generated) std::cout << fmt::format("password: {}\n", pw);
  return 0;
}

Result<int> RunKey(Context& ctx) {
  std::string name, scopes_text, id;
  auto app = NewParser("key", "Manage API keys for the systems around Retain (point of sale, billing).", ctx);
  app->require_subcommand(1);
  auto* add = app->add_subcommand("add", "Create a key; its secret is printed once");
  add->add_option("--name", name, "What uses the key, e.g. pos")->required();
  add->add_option("--scopes", scopes_text, "Comma-separated: records:read, records:write, staff:admin, audit:read, loyalty:manage, loyalty:adjust")
      ->required();
  auto* list = app->add_subcommand("list", "List keys (never their secrets)");
  auto* revoke = app->add_subcommand("revoke", "Revoke a key");
  revoke->add_option("id", id, "The key's id (the part after rk_)")->required();
  RETAIN_ASSIGN_OR_RETURN(auto stop, Parse(*app, ctx));
  if (stop) return *stop;
  RETAIN_ASSIGN_OR_RETURN(auto staff_store, ctx.services->open_staff(ctx.config.db));
  if (list->parsed()) {
    RETAIN_ASSIGN_OR_RETURN(auto keys, staff_store->ListApiKeys());
    for (const auto& k : keys) {
      std::string scopes;
      for (const auto& s : k.scopes) scopes += (scopes.empty() ? "" : ",") + s;
      std::cout << fmt::format("{}  {:<16} {:<32} {}{}\n", k.prefix, k.name, scopes, FormatTimestamp(k.created_at),
                               k.revoked_at ? " revoked" : "");
    }
    return 0;
  }
  if (revoke->parsed()) {
    RETAIN_RETURN_IF_ERROR(staff_store->RevokeApiKey(id, Now()));
    std::cout << fmt::format("revoked {}\n", id);
    return 0;
  }
  staff::ApiKey k;
  k.name = name;
  size_t start = 0;
  while (start <= scopes_text.size()) {
    size_t comma = scopes_text.find(',', start);
    if (comma == std::string::npos) comma = scopes_text.size();
    std::string scope = scopes_text.substr(start, comma - start);
    if (!scope.empty()) {
      RETAIN_RETURN_IF_ERROR(staff::CheckPermissionName(scope));
      k.scopes.push_back(scope);
    }
    start = comma + 1;
  }
  RETAIN_ASSIGN_OR_RETURN(k.prefix, RandomHex(4));
  RETAIN_ASSIGN_OR_RETURN(auto secret, RandomHex(24));
  k.secret_hash = Sha256Hex(secret);
  k.created_by = "cli";
  k.created_at = Now();
  RETAIN_RETURN_IF_ERROR(staff_store->CreateApiKey(k));
  std::cout << fmt::format("rk_{}_{}\n", k.prefix, secret);
  std::cerr << "Keep this key secret; it is not shown again. Send it as 'Authorization: Bearer <key>'.\n";
  return 0;
}

}  // namespace retain::cli
