// Segments over HTTP: the fields a segment may name (for the builder), and how many customers a
// segment holds now, with a sample, or where it is wrong (line and column).
#include <fmt/format.h>

#include "outreach/facts_store.h"
#include "outreach/segment.h"
#include "server/api.h"
#include "staff/roles.h"

namespace retain::server {
namespace {

using nlohmann::json;

std::string_view TypeName(outreach::FieldType t) {
  switch (t) {
    case outreach::FieldType::kText: return "text";
    case outreach::FieldType::kNumber: return "number";
    case outreach::FieldType::kBool: return "bool";
  }
  return "text";
}

}  // namespace

void AddOutreachRoutes(Router& router, const ApiContext& ctx) {
  StoreWorkers* workers = ctx.workers;
  const std::string read(staff::kRecordsRead);

  router.Add({"GET", "/v1/segments/fields", {"The fields a segment may name, with their types", "outreach", {}, "",
                                             "SegmentFields", false, read},
              [](Request, Reply reply) {
                json data = json::array();
                for (const auto& f : outreach::kFields) {
                  data.push_back({{"name", f.name}, {"type", TypeName(f.type)}, {"help", f.help}});
                }
                reply(Json(200, {{"data", data}}));
              }});

  router.Add({"POST", "/v1/segments/count",
              {"How many customers a segment holds now: {\"segment\": \"tier = \\\"gold\\\" and churn_risk > 0.6\"}; "
               "a mistake answers 400 with the line and column in the error's field",
               "outreach", {}, "SegmentInput", "SegmentCount", false, read},
              [workers](Request req, Reply reply) {
                auto body = ParseBody(req);
                if (!body) return reply(ErrorResponse(body.error()));
                if (!body->contains("segment") || !(*body)["segment"].is_string()) {
                  return reply(ErrorResponse({ErrorCode::kInvalidArgument, "is required: the segment's text", "segment"}));
                }
                auto parsed = outreach::ParseSegment((*body)["segment"].get<std::string>());
                if (!parsed) return reply(ErrorResponse(parsed.error()));
                auto segment = std::make_shared<outreach::Segment>(std::move(*parsed));
                workers->Read([segment](Stores& s) {
                  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
                  auto facts = s.facts().AllFacts(now);
                  if (!facts) return ErrorResponse(facts.error());
                  auto count = outreach::CountSegment(*segment, *facts, 10);
                  json fields = json::array();
                  for (size_t f : segment->fields) fields.push_back(outreach::kFields[f].name);
                  return Json(200, {{"count", count.matched}, {"customers", count.customers}, {"sample", count.sample},
                                    {"canonical", outreach::Canonical(*segment->root)}, {"fields", fields}});
                }, std::move(reply));
              }});
}

}  // namespace retain::server
