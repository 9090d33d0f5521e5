#include "cli/store_opener.h"


namespace retain::cli {

Result<std::unique_ptr<core::RecordStore>> OpenStore(const Context& ctx) {
  return ctx.services->open_store(ctx.config.db);
}

Result<std::unique_ptr<StoreSession>> OpenSession(const Context& ctx) {
  return ctx.services->open_session(ctx.config.db);
}

Result<BusinessZone> LoadZone(core::RecordStore& store) {
  RETAIN_ASSIGN_OR_RETURN(auto name, store.GetSetting("timezone"));
  if (!name) return BusinessZone();
  return BusinessZone::Load(*name);
}

}  // namespace retain::cli
