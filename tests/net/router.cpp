#define CAF_SUITE net.router
#include "net/router.hpp"

#include <caf/test/unit_test.hpp>

using namespace messenger::net;

namespace {

http_response call(const router& r, std::string method, std::string path) {
  http_request req;
  req.method = std::move(method);
  req.path = std::move(path);
  http_response out;
  r.dispatch(req, [&](http_response res) { out = std::move(res); });
  return out;
}

} // namespace

CAF_TEST(routes match literal and parameter segments) {
  router r;
  std::string seen;
  r.add("GET", "/api/v1/accounts/:account_id/conversations/:id",
        [&](http_request& req, responder respond) {
          seen = req.params["account_id"] + "/" + req.params["id"];
          respond(http_response::json(200, "{}"));
        });
  CAF_CHECK_EQUAL(call(r, "GET", "/api/v1/accounts/3/conversations/17").status, 200u);
  CAF_CHECK_EQUAL(seen, "3/17");
  auto missing = call(r, "GET", "/api/v1/accounts/3/conversations");
  CAF_CHECK_EQUAL(missing.status, 404u);
  CAF_CHECK_EQUAL(missing.body, R"({"error":"Resource could not be found"})");
  CAF_CHECK_EQUAL(call(r, "DELETE", "/api/v1/accounts/3/conversations/17").status, 405u);
}

CAF_TEST(query strings and escapes are decoded) {
  auto q = parse_query("page=2&q=hello+world&labels%5B%5D=a%2Cb&empty");
  CAF_CHECK_EQUAL(q["page"], "2");
  CAF_CHECK_EQUAL(q["q"], "hello world");
  CAF_CHECK_EQUAL(q["labels[]"], "a,b");
  CAF_CHECK_EQUAL(q.count("empty"), 1u);
  CAF_CHECK_EQUAL(percent_decode("%zz%4", false), "%zz%4");
  CAF_CHECK_EQUAL(json_escape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001");
}
