#define CAF_SUITE persistence.row
#include "persistence/queries/row.hpp"

#include <caf/test/unit_test.hpp>

using namespace messenger::persistence;
using namespace messenger::persistence::queries;

namespace {

result_set one_row(std::vector<std::string> columns, std::vector<sql_value> values) {
  result_set rs;
  rs.columns = std::move(columns);
  rs.rows.push_back(std::move(values));
  return rs;
}

} // namespace

CAF_TEST(statement_of renders each parameter in the PostgreSQL text form) {
  std::optional<int64_t> none;
  std::optional<std::string> name = "x";
  auto stmt
    = statement_of("SELECT $1, $2, $3, $4, $5, $6", int64_t{42}, true, none, name,
                   std::vector<int64_t>{1, 2}, std::vector<std::string>{"a b", "q\"t", "b\\s"});
  CAF_REQUIRE_EQUAL(stmt.params.size(), 6u);
  CAF_CHECK_EQUAL(stmt.params[0].text, "42");
  CAF_CHECK_EQUAL(stmt.params[1].text, "true");
  CAF_CHECK(stmt.params[2].is_null);
  CAF_CHECK_EQUAL(stmt.params[3].text, "x");
  CAF_CHECK_EQUAL(stmt.params[4].text, "{1,2}");
  CAF_CHECK_EQUAL(stmt.params[5].text, R"({"a b","q\"t","b\\s"})");
  CAF_CHECK(!stmt.plan_each_time);
}

CAF_TEST(row_view reads typed values and treats null and missing columns as empty) {
  auto rs = one_row({"id", "flag", "name", "gone", "ids", "names", "score"},
                    {sql_value::of("7"), sql_value::of("t"), sql_value::of("Ann"),
                     sql_value::null(), sql_value::of("{3,4,5}"),
                     sql_value::of(R"({plain,"with space","q\"t",NULL})"), sql_value::of("0.5")});
  row_view r{rs, 0};
  CAF_CHECK_EQUAL(r.int64("id"), 7);
  CAF_CHECK_EQUAL(r.opt_int64("id"), std::optional<int64_t>{7});
  CAF_CHECK(r.boolean("flag"));
  CAF_CHECK_EQUAL(r.text("name"), "Ann");
  CAF_CHECK(r.is_null("gone"));
  CAF_CHECK(!r.opt_int64("gone"));
  CAF_CHECK(!r.opt_text("gone"));
  CAF_CHECK_EQUAL(r.int64("missing"), 0);
  CAF_CHECK(!r.boolean("missing"));
  CAF_CHECK_EQUAL(r.int64_list("ids"), (std::vector<int64_t>{3, 4, 5}));
  CAF_CHECK_EQUAL(r.text_list("names"), (std::vector<std::string>{"plain", "with space", "q\"t"}));
  CAF_CHECK_EQUAL(r.real("score"), 0.5);
}

CAF_TEST(an empty array and a missing first row) {
  auto rs = one_row({"ids"}, {sql_value::of("{}")});
  CAF_CHECK(row_view(rs, 0).int64_list("ids").empty());
  result_set empty;
  CAF_CHECK(!json_doc_of(empty));
  CAF_CHECK(map_rows(empty, [](const row_view& r) { return r.int64("id"); }).empty());
}
