#include "core/json.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/id.h"
#include "core/time.h"

namespace vs {
namespace {

using nlohmann::json;

json measurementsJson(const std::vector<Measurement>& ms) {
  json arr = json::array();
  for (const auto& m : ms) arr.push_back({{"name", m.name}, {"value", m.value}, {"unit", m.unit}});
  return arr;
}

json resultJson(const CheckResult& r) {
  return json{{"check_id", r.check_id},
              {"type", r.type},
              {"category", toString(r.category)},
              {"target", r.target},
              {"status", toString(r.status)},
              {"message", r.message},
              {"remediation", r.remediation},
              {"duration_ms", r.duration_ms},
              {"measurements", measurementsJson(r.measurements)},
              {"evidence", r.evidence}};
}

json scanJson(const Scan& s) {
  json results = json::array();
  for (const auto& r : s.results) results.push_back(resultJson(r));
  StatusCounts c = s.counts();
  return json{{"schema", kScanSchemaVersion},
              {"id", s.id},
              {"site", s.site},
              {"template", {{"name", s.template_name}, {"version", s.template_version}}},
              {"host",
               {{"hostname", s.host.hostname}, {"os", s.host.os}, {"voipscope_version", s.host.voipscope_version}}},
              {"started_at", formatIso8601(s.started_at_ms)},
              {"duration_ms", s.duration_ms},
              {"summary",
               {{"pass", c.pass}, {"warn", c.warn}, {"fail", c.fail}, {"skip", c.skip}, {"error", c.error}}},
              {"results", std::move(results)}};
}

std::string dump(const json& j, int indent) {
  // 'replace' keeps invalid UTF-8 from a hostile peer's response from throwing.
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

// Reads fields with errors that name the path of the field.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  std::string error;

  const json* field(const json& obj, const char* key, json::value_t type, bool required = true) {
    if (!error.empty()) return nullptr;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) error = fmt::format("{}{}: missing", path_, key);
      return nullptr;
    }
    bool ok = it->type() == type ||
              (type == json::value_t::number_float && it->is_number()) ||
              (type == json::value_t::number_integer && it->is_number_integer());
    if (!ok) {
      error = fmt::format("{}{}: expected {}, got {}", path_, key, typeName(type), it->type_name());
      return nullptr;
    }
    return &*it;
  }

  std::string str(const json& obj, const char* key, bool required = true) {
    const json* f = field(obj, key, json::value_t::string, required);
    return f ? f->get<std::string>() : std::string();
  }
  double num(const json& obj, const char* key, bool required = true) {
    const json* f = field(obj, key, json::value_t::number_float, required);
    if (!f) return 0;
    double v = f->get<double>();
    if (!std::isfinite(v)) error = fmt::format("{}{}: not a finite number", path_, key);
    return v;
  }
  void fail(std::string msg) {
    if (error.empty()) error = path_ + msg;
  }
  // Takes an error that already carries its full path (from a nested Reader).
  void adopt(const std::string& full) {
    if (error.empty()) error = full;
  }

 private:
  static const char* typeName(json::value_t t) {
    switch (t) {
      case json::value_t::string: return "string";
      case json::value_t::number_float: return "number";
      case json::value_t::number_integer: return "integer";
      case json::value_t::object: return "object";
      case json::value_t::array: return "array";
      default: return "value";
    }
  }
  std::string path_;
};

}  // namespace

std::string toJson(const Scan& scan, int indent) { return dump(scanJson(scan), indent); }
std::string toJson(const CheckResult& result, int indent) { return dump(resultJson(result), indent); }

Result<Scan> scanFromJson(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) {
    // Re-parse with exceptions on to get nlohmann's byte position for the message.
    try {
      json again = json::parse(text.begin(), text.end());
      (void)again;
    } catch (const json::parse_error& e) {
      return makeError(fmt::format("invalid JSON at byte {}", e.byte), e.byte);
    }
    return makeError("invalid JSON");
  }
  if (!j.is_object()) return makeError("scan: expected a JSON object");

  Reader rd("");
  Scan s;
  if (const json* schema = rd.field(j, "schema", json::value_t::number_integer)) {
    if (schema->get<int>() != kScanSchemaVersion) {
      rd.fail(fmt::format("schema: unsupported version {} (this build reads {})", schema->get<int>(),
                          kScanSchemaVersion));
    }
  }
  s.id = rd.str(j, "id");
  if (rd.error.empty() && !isValidScanId(s.id)) rd.fail("id: expected 32 lowercase hex digits");
  s.site = rd.str(j, "site");
  if (const json* t = rd.field(j, "template", json::value_t::object)) {
    Reader tr("template.");
    s.template_name = tr.str(*t, "name");
    s.template_version = tr.str(*t, "version");
    if (!tr.error.empty()) rd.adopt(tr.error);
  }
  if (const json* h = rd.field(j, "host", json::value_t::object, false)) {
    Reader hr("host.");
    s.host.hostname = hr.str(*h, "hostname", false);
    s.host.os = hr.str(*h, "os", false);
    s.host.voipscope_version = hr.str(*h, "voipscope_version", false);
    if (!hr.error.empty()) rd.adopt(hr.error);
  }
  std::string started = rd.str(j, "started_at");
  if (rd.error.empty()) {
    auto t = parseIso8601(started);
    if (!t) rd.fail("started_at: expected an ISO 8601 UTC time like 2026-01-31T12:00:00.000Z");
    else s.started_at_ms = *t;
  }
  s.duration_ms = rd.num(j, "duration_ms");
  if (const json* results = rd.field(j, "results", json::value_t::array)) {
    std::size_t i = 0;
    for (const json& rj : *results) {
      Reader rr(fmt::format("results[{}].", i++));
      if (!rj.is_object()) {
        rd.fail(fmt::format("results[{}]: expected an object", i - 1));
        break;
      }
      CheckResult r;
      r.check_id = rr.str(rj, "check_id");
      r.type = rr.str(rj, "type");
      std::string cat = rr.str(rj, "category");
      if (rr.error.empty()) {
        if (auto c = parseCategory(cat)) r.category = *c;
        else rr.fail("category: unknown '" + cat + "'");
      }
      r.target = rr.str(rj, "target");
      std::string st = rr.str(rj, "status");
      if (rr.error.empty()) {
        if (auto p = parseStatus(st)) r.status = *p;
        else rr.fail("status: unknown '" + st + "' (PASS, WARN, FAIL, SKIP or ERROR)");
      }
      r.message = rr.str(rj, "message", false);
      r.remediation = rr.str(rj, "remediation", false);
      r.duration_ms = rr.num(rj, "duration_ms", false);
      if (const json* ms = rr.field(rj, "measurements", json::value_t::array, false)) {
        std::size_t k = 0;
        for (const json& mj : *ms) {
          Reader mr(fmt::format("results[{}].measurements[{}].", i - 1, k++));
          if (!mj.is_object()) {
            rr.fail("measurements: expected objects");
            break;
          }
          Measurement m{mr.str(mj, "name"), mr.num(mj, "value"), mr.str(mj, "unit", false)};
          if (!mr.error.empty()) {
            rr.adopt(mr.error);
            break;
          }
          r.measurements.push_back(std::move(m));
        }
      }
      if (const json* ev = rr.field(rj, "evidence", json::value_t::object, false)) {
        for (auto it = ev->begin(); it != ev->end(); ++it) {
          if (!it.value().is_string()) {
            rr.fail("evidence." + it.key() + ": expected string");
            break;
          }
          r.evidence[it.key()] = it.value().get<std::string>();
        }
      }
      if (!rr.error.empty()) {
        rd.adopt(rr.error);
        break;
      }
      s.results.push_back(std::move(r));
    }
  }
  if (!rd.error.empty()) return makeError(rd.error);
  return s;
}

}  // namespace vs
