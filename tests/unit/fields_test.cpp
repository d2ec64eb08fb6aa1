// fields_test - lines and tab-separated fields of state files (util/fields.h)
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "util/fields.h"

using namespace piiguard;

TEST_CASE("records skip empty and comment lines; fields split on tabs") {
    const std::string text = "# state\n\na\tb\t\tc\n#x\tskipped\nlast";
    std::size_t pos = 0;
    std::vector<std::vector<std::string>> got;
    for (std::string_view l; util::next_record(text, pos, l);) got.push_back(util::split_tabs(l));
    REQUIRE(got.size() == 2);
    CHECK(got[0] == std::vector<std::string>{"a", "b", "", "c"});
    CHECK(got[1] == std::vector<std::string>{"last"});
    CHECK(pos == text.size());
    std::string_view l;
    CHECK_FALSE(util::next_record("", pos = 0, l));
    CHECK_FALSE(util::next_record("\n#only\n\n", pos = 0, l));
    CHECK(util::split_tabs("") == std::vector<std::string>{""});
}
