#define CAF_SUITE domain.validation
#include "domain/flood_limiter.hpp"
#include "domain/message_validation.hpp"
#include "domain/reporting.hpp"

#include <caf/test/unit_test.hpp>

using namespace messenger;
using namespace messenger::domain;
using namespace std::chrono_literals;

namespace {
const timestamp t0 = from_micros(1'700'000'000'000'000);
}

CAF_TEST(valid messages pass with defaults) {
  message_input in;
  in.content = "hello";
  auto out = validate_message(in);
  CAF_REQUIRE(out.has_value());
  CAF_CHECK(out->type == message_type::outgoing);
  CAF_CHECK_EQUAL(out->content_type, 0u);
  CAF_CHECK_EQUAL(out->content_attributes, "{}");
  in.content_attributes = R"("{\"in_reply_to\": 3}")"; // a JSON string holding the object
  auto nested = validate_message(in);
  CAF_REQUIRE(nested.has_value());
  CAF_CHECK_EQUAL(nested->content_attributes, R"({"in_reply_to":3})");
}

CAF_TEST(each violation is a clear error) {
  auto fails = [](message_input in, const std::string& needle) {
    auto out = validate_message(in);
    return !out.has_value() && out.error().code == errc::invalid_argument
           && out.error().detail.find(needle) != std::string::npos;
  };
  message_input in;
  in.content = std::string(150001, 'a');
  CAF_CHECK(fails(in, "Content is too long (maximum is 150000 characters)"));
  in.content = std::string(150000, 'a');
  CAF_CHECK(validate_message(in).has_value());
  std::string umlauts;
  for (int i = 0; i < 150000; ++i)
    umlauts += "\xc3\xa4"; // 150,000 characters, 300,000 bytes
  in.content = umlauts;
  CAF_CHECK(validate_message(in).has_value());
  in.content = "x";
  in.message_type = "sideways";
  CAF_CHECK(fails(in, "message_type"));
  in.message_type = "incoming";
  in.content_type = "hologram";
  CAF_CHECK(fails(in, "content_type"));
  in.content_type = "input_select";
  in.status = "lost";
  CAF_CHECK(fails(in, "status"));
  in.status = "read";
  in.content_attributes = "[1,2]";
  CAF_CHECK(fails(in, "content_attributes must be a JSON object"));
  in.content_attributes = "{";
  CAF_CHECK(fails(in, "content_attributes"));
  in.content_attributes = "{}";
  in.attachments = 16;
  CAF_CHECK(fails(in, "exceeded maximum allowed"));
  in.attachments = 15;
  CAF_CHECK(validate_message(in).has_value());
}

CAF_TEST(the flood window slides) {
  flood_limiter limiter{3};
  limiter.record(t0);
  limiter.record(t0 + 10s);
  limiter.record(t0 + 20s);
  CAF_CHECK(!limiter.allows(t0 + 30s));
  CAF_CHECK(!limiter.allows(t0 + 60s)); // created_at >= now - 60 s still counts
  CAF_CHECK(limiter.allows(t0 + 60s + 1us));
  limiter.record(t0 + 61s);
  CAF_CHECK(!limiter.allows(t0 + 62s));
  CAF_CHECK_EQUAL(limiter.count(t0 + 81s), 1u);
}

CAF_TEST(reporting values) {
  auto fr = first_response(t0 + 90s, t0, 5);
  CAF_CHECK_EQUAL(fr.name, "first_response");
  CAF_CHECK_EQUAL(fr.value, 90.0);
  CAF_CHECK_EQUAL(*fr.user_id, 5);
  auto rt = reply_time(t0 + 30s, t0 + 10s, std::nullopt);
  CAF_CHECK_EQUAL(rt.value, 20.0);
  auto resolved = conversation_resolved(t0 + 1h, t0, 5);
  CAF_CHECK_EQUAL(resolved.value, 3600.0);
  auto never = conversation_opened(t0 + 1h, std::nullopt, t0, 5);
  CAF_CHECK_EQUAL(never.value, 0.0);
  CAF_CHECK(never.event_start_time == t0);
  auto reopened = conversation_opened(t0 + 1h, t0 + 1h - 45s, t0, 5);
  CAF_CHECK_EQUAL(reopened.value, 45.0);
}

CAF_TEST(sql timestamps round trip) {
  auto t = t0 + 123456us;
  CAF_CHECK_EQUAL(to_sql(t), "2023-11-14 22:13:20.123456");
  CAF_CHECK(parse_sql_timestamp(to_sql(t)) == t);
  CAF_CHECK(parse_sql_timestamp("2023-11-14 22:13:20.5") == t0 + 500000us);
  CAF_CHECK(parse_sql_timestamp("2023-11-14 22:13:20") == t0);
  CAF_CHECK(!parse_sql_timestamp("yesterday"));
  CAF_CHECK_EQUAL(to_epoch_seconds(t), 1700000000);
  CAF_CHECK_EQUAL(to_epoch_seconds(std::nullopt), 0);
}
